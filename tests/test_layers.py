"""The layout check: layers point one way (import-linter contracts in .importlinter)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
                           "--config", str(config), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_no_app_imports_one_above_it_and_core_imports_no_app():
    result = _lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken." in result.stdout, result.stdout[-2000:]


def test_the_check_fails_on_an_upward_import(tmp_path):
    """The same contracts over the same code, with the layers of two apps swapped, are broken: the check can fail."""
    config = (ROOT / ".importlinter").read_text()
    swapped = config.replace("    members\n    villages\n", "    villages\n    members\n")
    assert swapped != config
    (tmp_path / "swapped.ini").write_text(swapped)
    result = _lint(tmp_path / "swapped.ini")
    assert result.returncode != 0
    assert "members is not allowed to import villages" in result.stdout, result.stdout[-2000:]
