"""Sign-in and sign-out pages (session auth for the web UI)."""
from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    """登录页。"""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"page_title": "登录"}


class LogoutView(auth_views.LogoutView):
    """退出登录（仅 POST），回到登录页。"""

    next_page = "/login/"
