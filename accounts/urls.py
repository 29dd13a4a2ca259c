from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("security/", views.SecurityLogView.as_view(), name="security"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/otp/", views.OtpView.as_view(), name="otp"),
    path("account/", views.MyAccountView.as_view(), name="my_account"),
    path("users/", views.UserManagementView.as_view(), name="users"),
]
