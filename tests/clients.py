"""Clients signed in as a given user, for API and page tests."""
from django.test import Client
from rest_framework.test import APIClient


def api_client(user) -> APIClient:
    """An API client authenticated as ``user`` (no token, no session: DRF's forced authentication)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_client(user) -> Client:
    """A browser-like client with ``user`` signed in (a session)."""
    client = Client()
    client.force_login(user)
    return client
