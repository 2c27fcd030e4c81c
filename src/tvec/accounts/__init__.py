"""Accounts: users with roles, Argon2id passwords, API tokens, and wellbeing counters."""

from tvec.accounts.roles import PERMISSIONS, Role, allowed, require
from tvec.accounts.service import (
    Principal,
    add_user,
    authenticate,
    create_token,
    disable_user,
    ensure_first_admin,
    list_users,
    principal_for,
    principal_for_token,
    reset_password,
)

__all__ = [
    "PERMISSIONS",
    "Principal",
    "Role",
    "add_user",
    "allowed",
    "authenticate",
    "create_token",
    "disable_user",
    "ensure_first_admin",
    "list_users",
    "principal_for",
    "principal_for_token",
    "require",
    "reset_password",
]
