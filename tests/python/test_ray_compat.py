"""A script written for Ray runs unchanged with Photon as `ray`.

How: the script runs in a fresh /usr/bin/python3 whose `ray` module (and
`ray.util`, `ray.util.placement_group`, `ray.util.scheduling_strategies`,
`ray.exceptions`) is Photon's, registered in sys.modules before the script
starts (runpy, as `__main__`); the script's text is not edited.
"""

import os

from testutil import driver_env, run_driver

HERE = os.path.dirname(os.path.abspath(__file__))

SHIM = r'''
import runpy, sys
import photon, photon.exceptions, photon.util
import photon.util.placement_group, photon.util.scheduling_strategies
for name, module in list(sys.modules.items()):
    if name == "photon" or name.startswith("photon."):
        sys.modules["ray" + name[len("photon"):]] = module
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
'''


def test_ray_core_script_runs_on_photon(isolated_tmp):
    script = os.path.join(HERE, "ray_scripts", "ray_core_walkthrough.py")
    with open(script) as f:
        source = f.read()
    assert "photon" not in source.replace("Photon", "").split('"""', 2)[2]  # plain Ray code
    done = run_driver(SHIM, driver_env(PHOTON_TMPDIR=isolated_tmp), args=[script], timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "RAY SCRIPT OK" in done.stdout
