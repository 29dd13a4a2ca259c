"""Sign-in and sign-out pages (session auth for the web UI), the password change, the TOTP pages and the security log."""
from base64 import b32encode

import segno
from django import forms
from django.apps import apps
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView

from core.pages import PageView, options

from . import services
from .lockout import lockout_response
from .models import SecurityAction, SecurityEvent, SecurityResult
from .scoping import user_scope
from .users import GRANTABLE, is_manager


class LoginView(auth_views.LoginView):
    """登录页。"""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"page_title": "登录"}


class LogoutView(auth_views.LogoutView):
    """退出登录（仅 POST），回到登录页。"""

    next_page = "/login/"


def _next_url(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    new_password_confirm = forms.CharField(label="确认新密码", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_confirm") not in (None, data["new_password"]):
            self.add_error("new_password_confirm", "两次输入的新密码不一致。")
        return data


def _focus(form) -> str:
    """The field the cursor starts in: the first one in error, else the first one."""
    return next((name for name in form.fields if name in form.errors), next(iter(form.fields)))


class PasswordChangeView(LoginRequiredMixin, FormView):
    """修改密码（首次登录时必须修改管理员设置的初始密码）。"""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page_title="修改密码", forced=self.request.user.must_change_password,
                       help_texts=password_validators_help_texts(), next=_next_url(self.request, ""),
                       focus=_focus(context["form"]))
        return context

    def form_valid(self, form):
        user = self.request.user
        try:
            services.user_password_change(
                request=self.request, user=user, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            if getattr(self.request, "axes_locked_out", False):  # wrong old passwords count as failed sign-ins
                logout(self.request)
                return lockout_response(self.request)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)  # this session stays; the user's other sessions end
        return redirect(_next_url(self.request))


class OtpForm(forms.Form):
    code = forms.CharField(label="6 位动态验证码", min_length=6, max_length=6, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}))


class OtpView(LoginRequiredMixin, FormView):
    """二次验证：首次绑定（扫描二维码）或输入动态验证码。"""

    template_name = "accounts/otp.html"
    form_class = OtpForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (not services.otp_required(user) or user.is_verified()):
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(page_title="二次验证", next=_next_url(self.request, ""), focus="code")
        if services.otp_confirmed_device(user) is None:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = (TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
                      or services.otp_device_start(user=user))
            context.update(
                enrolling=True,
                qr_svg=segno.make(device.config_url, error="m").svg_inline(scale=5, title="动态验证码绑定二维码"),
                secret=b32encode(device.bin_key).decode(),
            )
        return context

    def form_valid(self, form):
        from django_otp import login as otp_login

        user = self.request.user
        device = services.otp_verify(request=self.request, user=user, code=form.cleaned_data["code"])
        if device is None:
            if getattr(self.request, "axes_locked_out", False):
                logout(self.request)
                return lockout_response(self.request)
            form.add_error("code", "动态验证码错误，请核对手机上的验证码后重试。")
            return self.form_invalid(form)
        otp_login(self.request, device)
        return redirect(_next_url(self.request))


def object_type_options() -> list[dict]:
    """The kinds of record a log row may name (served models, role assignments, the log itself), by Chinese name."""
    models = [m for m in apps.get_models() if getattr(m, "scope", None) is not None]
    models += [apps.get_model("accounts", "RoleAssignment"), apps.get_model("accounts", "User")]
    seen = {}
    for model in models:
        seen.setdefault(model._meta.label_lower, str(model._meta.verbose_name))
    return sorted(({"value": k, "label": v} for k, v in seen.items()), key=lambda o: o["value"])


class SecurityLogView(UserPassesTestMixin, PageView):
    """安全日志：按用户、操作、结果、时间、对象、地址查询，导出 xlsx。其他角色 403（拒绝本身记入日志）。"""

    page_title = "安全日志"

    def test_func(self):
        return user_scope(self.request.user).can_read(SecurityEvent)

    def get_page_data(self) -> dict:
        return {
            "security_choices": {
                "action": options(SecurityAction),
                "result": options(SecurityResult),
                "object_type": object_type_options(),
            },
        }


ROLE_ORDER = ("district_admin", "town_staff", "zone_committee", "village_cadre", "grid_member", "api_consumer")


class UserManagementView(UserPassesTestMixin, PageView):
    """用户与角色：管理者（区级管理员、街道(镇)工作人员、工作区党委）管理本辖区账号；其他角色 403。"""

    page_title = "用户与角色"
    template_name = "accounts/users.html"

    def test_func(self):
        return is_manager(self.request.user)

    def get_page_data(self) -> dict:
        roles = {g.role for g in user_scope(self.request.user).grants}
        grantable = set().union(*(GRANTABLE[r] for r in roles if r in GRANTABLE))
        return {"grantable_roles": [r for r in ROLE_ORDER if r in grantable],
                "is_district": "district_admin" in roles}


class MyAccountView(PageView):
    """我的账号：我的角色、修改密码、我的 API 令牌。"""

    page_title = "我的账号"
    template_name = "accounts/my_account.html"
