from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/otp/", views.OtpView.as_view(), name="otp"),
]
