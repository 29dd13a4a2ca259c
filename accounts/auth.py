"""API token authentication (django-rest-knox) in one SQL statement per request.

knox's own ``TokenAuthentication`` costs three statements on every request: the token with its user,
then ``_cleanup_token`` lists *all* the user's tokens to delete the expired ones; the scope then reads
the role assignments. Here one statement reads the token, its user and the user's role assignments
(with the ancestors of each node, `accounts.scoping.SCOPE_COLUMNS`), so the scope of the request
needs no query of its own. Expired tokens are deleted by the daily ``accounts.tasks.purge_expired_tokens``.

What does not change: the token and the user are read from the database on every request (no cache
across requests), so a revoked token or a deactivated user is refused at once; an expired token is
refused (and deleted) whether or not the daily purge has run; the digest is compared in constant time.

The statement is the SQL of an ORM query, compiled once per process and then executed with the token
key as its only parameter (`core.sql.CompiledQuery`): compiling it costs more CPU than running it.
"""
from __future__ import annotations

import binascii
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from core.sql import CompiledQuery

from .scoping import SCOPE_COLUMNS, scope_from_rows


class _TokenStatement:
    """Token + user + role assignments: one row per role assignment (one with NULLs when there is none)."""

    def __init__(self):
        self.token_model = get_token_model()
        self.user_model = get_user_model()
        self.token_fields = [f.attname for f in self.token_model._meta.concrete_fields]
        self.user_fields = [f.attname for f in self.user_model._meta.concrete_fields]
        self.digest_index = self.token_fields.index("digest")
        self.compiled = CompiledQuery(self.queryset)  # the SQL is built once per process

    def queryset(self, key: str):
        return self.token_model.objects.filter(token_key=key).values_list(
            *self.token_fields,
            *(f"user__{name}" for name in self.user_fields),
            *(f"user__assignments__{name}" for name in SCOPE_COLUMNS),
        )

    def rows(self, key: str) -> list[tuple]:
        return self.compiled.rows(key, using=self.token_model.objects.db)

    def build(self, rows: list[tuple]):
        """The AuthToken (with its user, whose scope is set) from the rows of one token."""
        using = self.token_model.objects.db
        n_token, n_user = len(self.token_fields), len(self.user_fields)
        first = rows[0]
        user = self.user_model.from_db(using, self.user_fields, first[n_token:n_token + n_user])
        token = self.token_model.from_db(using, self.token_fields, first[:n_token])
        token.user = user
        scope_from_rows(user, [row[n_token + n_user:] for row in rows])
        return token


_statement: _TokenStatement | None = None


def _token_statement() -> _TokenStatement:
    global _statement
    if _statement is None:
        _statement = _TokenStatement()
    return _statement


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox tokens, one statement per request; the user's scope comes with the token (see module doc)."""

    def authenticate_credentials(self, token: bytes):
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        statement = _token_statement()
        rows = statement.rows(token[: CONSTANTS.TOKEN_KEY_LENGTH])
        if not rows:
            raise exceptions.AuthenticationFailed(msg)
        try:
            digest = hash_token(token)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(msg)
        # Several tokens may share a key (its first characters): the digest picks the one.
        at = statement.digest_index
        mine = [row for row in rows if compare_digest(row[at], digest)]
        if not mine:
            raise exceptions.AuthenticationFailed(msg)
        auth_token = statement.build(mine)
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            raise exceptions.AuthenticationFailed(msg)
        if knox_settings.AUTO_REFRESH and auth_token.expiry:
            self.renew_token(auth_token)
        return self.validate_user(auth_token)


class TokenScheme(KnoxTokenScheme):
    """OpenAPI: the same security scheme as knox's own class."""

    target_class = "accounts.auth.TokenAuthentication"
