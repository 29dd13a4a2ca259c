from django.urls import path

from . import pages
from . import views

app_name = "accounts"

urlpatterns = [
    path("security/", pages.SecurityLogView.as_view(), name="security"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/otp/", views.OtpView.as_view(), name="otp"),
]
