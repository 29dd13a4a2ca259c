import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str):
    """Skip locally when a tool is missing; in CI (CI=true) fail loudly instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI 环境缺少依赖：{reason}")
    pytest.skip(reason)


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    require(path is not None, "未安装 Debian chromium（apt-get install chromium fonts-noto-cjk）")
    return path
