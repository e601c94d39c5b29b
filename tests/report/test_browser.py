"""The report opens from disk in headless Chromium and every image loads.

Skipped when ``/usr/bin/chromium`` is absent (CI installs it in ``.ci/run``).
"""

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from hyperprune.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
PROBE = """
<script>
window.addEventListener("load", function () {
  var result = Array.prototype.map.call(document.images, function (img) {
    return {src: img.getAttribute("src"), width: img.naturalWidth, complete: img.complete};
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = "PROBE" + JSON.stringify(result) + "END";
  document.body.appendChild(pre);
});
</script>
"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed at /usr/bin/chromium")


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=10000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=50)


def test_every_image_loads_in_chromium(make_search, tmp_path):
    index = write_report(make_search(final_count=4))
    probe = index.parent / "probe.html"
    probe.write_text(index.read_text().replace("</body>", PROBE + "</body>"))
    done = _chromium(tmp_path / "profile-dom", "--dump-dom", probe.as_uri())
    match = re.search(r'<pre id="probe">PROBE(.*?)END</pre>', done.stdout, re.S)
    assert match, f"no probe result in the DOM; stderr: {done.stderr[-2000:]}"
    images = json.loads(html.unescape(match.group(1)))
    assert len(images) == 5
    for img in images:
        assert img["complete"] and img["width"] > 0, f"{img['src']} did not load"

    shot = tmp_path / "screenshot.png"
    _chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2400", index.as_uri())
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
