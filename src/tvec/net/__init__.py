"""Everything that leaves the machine: the only package that opens a connection.

Modules: :mod:`~tvec.net.addresses` (address rules), :mod:`~tvec.net.deadline` and
:mod:`~tvec.net.transport` (the overall deadline of a request), :mod:`~tvec.net.client` (the
one outbound client, GET and POST; :mod:`~tvec.net.http` keeps the old import names),
:mod:`~tvec.net.retry` (the one retry policy), :mod:`~tvec.net.signing` (HMAC),
:mod:`~tvec.net.webhook` (signed webhooks), :mod:`~tvec.net.smtp` (e-mail). Get a client from
the application context (``ctx.http()``); tests pass a transport, a resolver and an SMTP
factory instead of patching.

Rules, for every request (GET, POST, SMTP):

* **Only** ``http`` **and** ``https`` URLs (and the configured SMTP server).
* **Address rules (SSRF).** Before each request, and again for every redirect hop, the host
  is resolved and every address it resolves to must be public: private, loopback,
  link-local, multicast, reserved, unspecified and shared (carrier-grade NAT) addresses are
  refused with :class:`~tvec.errors.BlockedAddressError`, and so are deprecated IPv6
  site-local addresses (``fec0::/10``) and the IPv4-mapped, 6to4 and Teredo forms of a
  refused IPv4 address (:func:`~tvec.net.addresses.is_public_address`). A host is exempt
  when ``TVEC_OUTBOUND_ALLOW_HOSTS`` lists its name, or lists an address or network
  (``127.0.0.1``, ``10.0.0.0/8``) holding every address it resolves to.
* **Pinning.** The connection goes to the address that was checked; the host name is kept
  for the ``Host`` header, TLS (SNI and the certificate check) and SMTP's STARTTLS. A second
  DNS answer cannot swap in another address (DNS rebinding).
* **Redirects.** GET follows at most ``TVEC_HTTP_MAX_REDIRECTS`` redirects by hand, each hop
  checked and pinned; a malformed ``Location`` is a :class:`~tvec.errors.FetchError` on the
  URL asked for. POST follows none (a 3xx is the answer).
* **Limits.** ``TVEC_HTTP_TIMEOUT_SECONDS`` to connect and between bytes
  (``TVEC_SMTP_TIMEOUT_SECONDS`` for SMTP), and ``TVEC_HTTP_DEADLINE_SECONDS`` for connect,
  headers and body of one request together (:mod:`~tvec.net.deadline`; a request cut off
  by it is a :class:`~tvec.errors.FetchError` naming the deadline, not retried); bodies
  are streamed and cut after ``TVEC_HTTP_MAX_BYTES`` decoded bytes (so a compressed bomb or
  a server claiming gigabytes costs at most that), and the result says it was cut.
* **No proxies from the environment** (``trust_env=False``): ``HTTP_PROXY`` and friends
  are never read, so a request cannot be routed around the address rules.
* **Retries** (:mod:`tvec.net.retry`, tenacity): network errors, ``429`` and ``5xx``, never
  another ``4xx``; exponential backoff from the caller's setting (``TVEC_HTTP_*``,
  ``TVEC_WEBHOOK_*``), ``Retry-After`` in seconds or as an HTTP date honoured up to 60 s.
* **Politeness.** GETs to one host are at least ``TVEC_HTTP_HOST_INTERVAL_SECONDS`` apart;
  every request carries ``TVEC_HTTP_USER_AGENT``.

Errors: :class:`~tvec.errors.FetchError` (HTTP status >= 400 after retries for
:meth:`~tvec.net.client.OutboundClient.fetch`, connection failure, too many redirects, bad
URL) and :class:`~tvec.errors.BlockedAddressError`. ``try_fetch`` and ``post`` return the
answer whatever its status, or the network error, in their result.
"""
