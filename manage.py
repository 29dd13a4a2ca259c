#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a refused key is said plainly, once)
    except ImproperlyConfigured as exc:
        # Django's command runner would swallow this and fail later with "Models aren't loaded yet".
        sys.exit(f"配置错误：{exc}\n（本机开发连接自己的数据库时，可设 DJANGO_DEBUG=true 使用 var/ 下生成的开发密钥。）")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
