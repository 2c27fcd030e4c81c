"""The case page's "Out-links" section and its attribution form: the out-links of the case's
item tree with their attribution, alert and takedown; analysts attribute one (audit-logged,
method ``person``); moderators may not; CSRF is required; home pages are refused."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import WebEnv
from tvec.errors import NotFoundError
from tvec.outlinks.sightings import outlink_for
from tvec.store.models import Item, OutlinkSighting
from tvec.store.models.alerts import Alert, Attribution, Takedown
from tvec.store.models.audit import AuditEvent
from tvec.store.models.cases import ReviewCase
from tvec.verification.alertability import outlinks_of_item_tree

CASE = 1
SENT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CHECKED = datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
#: Out-links by name: URL (canonical) and where it is sighted.
URLS = {
    "item": ("https://t.me/somechannel/123", "item"),
    "home": ("https://t.me/", "item"),
    "parent": ("https://archive.org/details/x-file", "parent"),
    "child": ("https://files.unknown-site.example/a.pdf", "child"),
    "rule": ("https://t.me/somechannel/124", "child"),
    "other": ("https://t.me/other/1", "other"),
}


@dataclass
class Tree:
    """The case's item tree and the ids of the out-links sighted in it (and elsewhere)."""

    item: int
    parent: int
    child: int
    other: int
    ids: dict[str, int]


@pytest.fixture
def tree(web: WebEnv) -> Tree:
    """Case 1's item gets a parent and a child; out-links in each, and one in an unrelated
    item. ``parent``: attributed by a decision, alert sent, takedown tracking (last check
    online). ``child``: attributed by a person (analyst). ``rule``: attributed by a rule to
    an entity that is not in the registry. ``item`` and ``home``: nothing yet."""
    with web.store.session() as session:
        item = session.get_one(Item, session.get_one(ReviewCase, CASE).item_id)
        parent = Item(locator="test:parent-post", media_type="text/plain", content_type="text")
        other = Item(locator="test:unrelated", media_type="text/plain", content_type="text")
        session.add_all([parent, other])
        session.flush()
        item.parent_id = parent.id
        child = Item(
            locator="test:child", media_type="text/plain", content_type="text", parent_id=item.id
        )
        session.add(child)
        session.flush()
        where = {"item": item.id, "parent": parent.id, "child": child.id, "other": other.id}
        ids: dict[str, int] = {}
        for name, (url, place) in URLS.items():
            outlink = outlink_for(session, url, now=SENT)
            ids[name] = outlink.id
            session.add(OutlinkSighting(outlink_id=outlink.id, item_id=where[place], seen=url))
        session.add_all(
            [
                Attribution(
                    outlink_id=ids["parent"], entity="islamic-state", content_kind="video",
                    method="decision", attributed_by="moderator", case_id=CASE,
                ),
                Attribution(
                    outlink_id=ids["child"], entity="al-shabaab", content_kind="document",
                    graphic=True, method="person", attributed_by="analyst", note="their manual",
                ),
                Attribution(
                    outlink_id=ids["rule"], entity="made-up-group", content_kind="text",
                    method="rule", attributed_by="rule", rule="verified-bank:tcap",
                ),
                Alert(
                    reference="TVEC-00000000abcd", idempotency_key="ab" * 32,
                    outlink_id=ids["parent"], url=URLS["parent"][0], platform="Internet Archive",
                    channel="email", recipient="abuse@archive.example", entity="islamic-state",
                    content_kind="video", status="sent", attempts=1, sent_at=SENT,
                ),
                Takedown(
                    outlink_id=ids["parent"], state="tracking", last_result="online", checks=1,
                    last_checked_at=CHECKED, last_online_at=CHECKED,
                ),
            ]
        )  # fmt: skip
        return Tree(item.id, parent.id, child.id, other.id, ids)


def _rows(page: str) -> dict[int, str]:
    """Out-link id -> the text of its row (tags removed, unescaped, whitespace collapsed)."""
    rows = {}
    for found in re.finditer(r'<tr class="outlink" id="outlink-(\d+)".*?</tr>', page, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", " ", found.group(0)))
        rows[int(found.group(1))] = " ".join(text.split())
    return rows


def _forms(page: str, case_id: int = CASE) -> set[int]:
    """Out-link ids with an attribution form on the page."""
    pattern = rf'action="/cases/{case_id}/outlinks/(\d+)/attribute"'
    return {int(n) for n in re.findall(pattern, page)}


def _attribution(web: WebEnv, outlink_id: int) -> Attribution | None:
    with web.store.session() as session:
        found = session.scalars(
            select(Attribution).where(Attribution.outlink_id == outlink_id)
        ).one_or_none()
        if found is not None:
            session.expunge(found)
        return found


def _events(web: WebEnv) -> list[AuditEvent]:
    with web.store.session() as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.kind == "url.attribute").order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return events


def test_core_lists_the_tree_by_url(web: WebEnv, tree: Tree) -> None:
    with web.store.session() as session:
        rows = outlinks_of_item_tree(session, tree.item, settings=web.app.state.ctx.settings)
        got = [
            (
                r.url,
                r.platform,
                r.item_ids,
                r.home_page,
                r.attribution.method if r.attribution else None,
                r.alert.reference if r.alert else None,
                r.takedown.state if r.takedown else None,
                r.not_alertable,
                r.by_person,
            )
            for r in rows
        ]
        # the same rows from the child's tree: the child and its parent (the case's item)
        settings = web.app.state.ctx.settings
        from_child = {r.url for r in outlinks_of_item_tree(session, tree.child, settings=settings)}
        with pytest.raises(NotFoundError, match="no item 999999"):
            outlinks_of_item_tree(session, 999999, settings=settings)
    none = "not attributed to an entity"
    assert got == [
        ("https://archive.org/details/x-file", "Internet Archive", (tree.parent,), False,
         "decision", "TVEC-00000000abcd", "tracking", None, False),
        ("https://files.unknown-site.example/a.pdf", None, (tree.child,), False,
         "person", None, None, None, True),
        ("https://t.me/", "Telegram", (tree.item,), True, None, None, None, none, False),
        ("https://t.me/somechannel/123", "Telegram", (tree.item,), False,
         None, None, None, none, False),
        ("https://t.me/somechannel/124", "Telegram", (tree.child,), False, "rule", None, None,
         "entity 'made-up-group' is not in the entity registry", False),
    ]  # fmt: skip
    assert from_child == {
        "https://t.me/",
        "https://t.me/somechannel/123",
        "https://t.me/somechannel/124",
        "https://files.unknown-site.example/a.pdf",
    }


def test_section_lists_the_trees_outlinks_with_their_states(
    web: WebEnv, tree: Tree, client_for: Any
) -> None:
    client, _ = client_for("analyst")
    page = client.get(f"/cases/{CASE}")
    assert page.status_code == 200
    rows = _rows(page.text)
    ids = tree.ids
    assert set(rows) == {ids[n] for n in ("item", "home", "parent", "child", "rule")}
    assert ids["other"] not in rows
    assert rows[ids["parent"]] == (
        f"https://archive.org/details/x-file Internet Archive parent #{tree.parent} "
        "Islamic State (video): decision by moderator yes "
        "TVEC-00000000abcd sent 2024-05-01 12:00 UTC "
        "tracking, last check online 2024-05-02 08:30 UTC"
    )
    assert rows[ids["child"]] == (
        f"https://files.unknown-site.example/a.pdf unknown child #{tree.child} "
        "al-Shabaab (document, graphic): person by analyst ; their manual yes none not tracked"
    )
    assert rows[ids["rule"]] == (
        f"https://t.me/somechannel/124 Telegram child #{tree.child} "
        "made-up-group (text): rule verified-bank:tcap by rule "
        "no: entity 'made-up-group' is not in the entity registry none not tracked"
    )
    assert rows[ids["home"]] == (
        "https://t.me/ (home page) Telegram this item none "
        "no: not attributed to an entity none not tracked"
    )
    assert rows[ids["item"]].startswith("https://t.me/somechannel/123 Telegram this item none")
    # a form on every row but the one a person attributed
    assert _forms(page.text) == {ids[n] for n in ("item", "home", "parent", "rule")}
    # the case's own entity (the bank's "Islamic State") is chosen in a fresh row's form
    form = page.text[page.text.index(f'id="attribute-{ids["item"]}"') :]
    form = form[: form.index("</form>")]
    assert '<option value="islamic-state" selected>Islamic State</option>' in form
    assert '<option value="other" selected>other</option>' in form
    # a row attributed by tvec offers its values for confirmation
    form = page.text[page.text.index(f'id="attribute-{ids["rule"]}"') :]
    form = form[: form.index("</form>")]
    assert '<option value="text" selected>text</option>' in form
    assert "Confirm attribution" in form


def test_analyst_attributes_an_outlink(web: WebEnv, tree: Tree, client_for: Any) -> None:
    client, token = client_for("analyst")
    outlink = tree.ids["item"]
    response = client.post(
        f"/cases/{CASE}/outlinks/{outlink}/attribute",
        data={
            "entity": "islamic-state",
            "content_kind": "video",
            "graphic": "true",
            "note": "checked the video",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/cases/{CASE}#outlinks",
    )
    made = _attribution(web, outlink)
    assert made is not None
    assert (made.entity, made.content_kind, made.graphic, made.method, made.attributed_by) == (
        "islamic-state",
        "video",
        True,
        "person",
        "analyst",
    )
    assert (made.case_id, made.note, made.rule) == (CASE, "checked the video", None)
    events = _events(web)
    assert [(e.actor, e.kind, e.target) for e in events] == [
        ("analyst", "url.attribute", f"outlink:{outlink}")
    ]
    assert events[0].data["url"] == "https://t.me/somechannel/123"
    assert events[0].data["old"] is None
    assert events[0].data["new"]["method"] == "person"
    assert events[0].data["new"]["attributed_by"] == "analyst"
    # the page shows the person's attribution, alertable, and no form for it any more
    page = client.get(f"/cases/{CASE}").text
    assert _rows(page)[outlink] == (
        "https://t.me/somechannel/123 Telegram this item Islamic State (video, graphic): "
        "person by analyst ; checked the video yes none not tracked"
    )
    assert outlink not in _forms(page)
    # an analyst replaces a decision's attribution; the audit event keeps the old values
    parent = tree.ids["parent"]
    again = client.post(
        f"/cases/{CASE}/outlinks/{parent}/attribute",
        data={"entity": "Al-Shabaab", "content_kind": "image", "csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 303
    replaced = _attribution(web, parent)
    assert replaced is not None
    assert (replaced.entity, replaced.method, replaced.graphic, replaced.note) == (
        "al-shabaab",
        "person",
        False,
        None,
    )
    last = _events(web)[-1]
    assert (last.actor, last.data["old"]["method"], last.data["new"]["entity"]) == (
        "analyst",
        "decision",
        "al-shabaab",
    )


def test_admin_may_attribute_too(web: WebEnv, tree: Tree, client_for: Any) -> None:
    client, token = client_for("admin")
    assert tree.ids["item"] in _forms(client.get(f"/cases/{CASE}").text)
    response = client.post(
        f"/cases/{CASE}/outlinks/{tree.ids['item']}/attribute",
        data={"entity": "islamic-state", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    made = _attribution(web, tree.ids["item"])
    assert made is not None and (made.attributed_by, made.content_kind) == ("admin", "other")


@pytest.mark.parametrize("role", ["moderator", "viewer"])
def test_roles_without_alert_verify_see_no_form_and_get_403(
    web: WebEnv, tree: Tree, client_for: Any, role: str
) -> None:
    client, token = client_for(role)
    page = client.get(f"/cases/{CASE}").text
    assert len(_rows(page)) == 5  # they see the section
    assert _forms(page) == set()
    assert "/attribute" not in page
    response = client.post(
        f"/cases/{CASE}/outlinks/{tree.ids['item']}/attribute",
        data={"entity": "islamic-state", "csrf_token": token},
    )
    assert response.status_code == 403
    assert f"role {role!r} may not alert.verify" in html.unescape(response.text)
    assert _attribution(web, tree.ids["item"]) is None
    assert _events(web) == []


@pytest.mark.parametrize("given", [None, "wrong"])
def test_missing_or_wrong_csrf_token_is_refused(
    web: WebEnv, tree: Tree, client_for: Any, given: str | None
) -> None:
    client, token = client_for("analyst")
    data = {"entity": "islamic-state"}
    if given is not None:
        data["csrf_token"] = given + token
    response = client.post(f"/cases/{CASE}/outlinks/{tree.ids['item']}/attribute", data=data)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert _attribution(web, tree.ids["item"]) is None
    assert _events(web) == []


def test_home_page_is_refused_with_attribute_urls_message(
    web: WebEnv, tree: Tree, client_for: Any
) -> None:
    client, token = client_for("analyst")
    response = client.post(
        f"/cases/{CASE}/outlinks/{tree.ids['home']}/attribute",
        data={"entity": "islamic-state", "csrf_token": token},
    )
    assert response.status_code == 400
    assert '<p class="error" role="alert">' in response.text
    assert "&#39;https://t.me/&#39; is the home page of t.me: an alert names a post" in (
        response.text
    )
    assert _attribution(web, tree.ids["home"]) is None
    assert _events(web) == []


def test_bad_entity_kind_outlink_or_case(web: WebEnv, tree: Tree, client_for: Any) -> None:
    client, token = client_for("analyst")
    item = tree.ids["item"]

    def post(case_id: int, outlink_id: int, **data: str) -> Any:
        return client.post(
            f"/cases/{case_id}/outlinks/{outlink_id}/attribute",
            data={"entity": "islamic-state", "csrf_token": token} | data,
        )

    unknown = post(CASE, item, entity="no-such-group")
    assert unknown.status_code == 400
    assert "no entity &#39;no-such-group&#39; in the entity registry" in unknown.text
    kind = post(CASE, item, content_kind="podcast")
    assert kind.status_code == 400
    assert "unknown content kind &#39;podcast&#39;" in kind.text
    # an out-link of another item is not this case's to attribute
    other = post(CASE, tree.ids["other"])
    assert other.status_code == 404
    assert f"out-link {tree.ids['other']} was not sighted in case {CASE}" in other.text
    assert post(999, item).status_code == 404
    assert post(2, item).status_code == 404  # case 2's item has no out-links
    empty = post(CASE, item, entity="")
    assert empty.status_code == 422
    assert _attribution(web, item) is None
    assert _events(web) == []


def test_case_without_outlinks_says_so(web: WebEnv, client_for: Any) -> None:
    client, _ = client_for("analyst")
    page = client.get(f"/cases/{CASE}").text
    assert '<section class="outlinks" id="outlinks">' in page
    assert "No out-links sighted in this item, its parent or its children." in page
