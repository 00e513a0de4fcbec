"""Asking the autoscaler for capacity ahead of demand (Ray's
ray.autoscaler.sdk.request_resources).

    from photon.autoscaler.sdk import request_resources
    request_resources(num_cpus=16)                       # room for 16 one-CPU tasks
    request_resources(bundles=[{"GPU": 1}] * 4)          # four GPUs, on any nodes
    request_resources()                                  # withdraw the request

Each call replaces the previous request: the cluster is scaled until it
could hold all of it at once (on top of nothing: it is a floor on the
cluster's size, not extra demand), and is allowed to shrink back once the
request is withdrawn and nodes go idle.
"""

import json
import numbers

from photon._private import worker

_NAMESPACE = "autoscaler"
_KEY = "resource_request"  # gcs/autoscaler_state_service.h: kConstraintsKey


def request_resources(num_cpus=None, bundles=None):
    """Asks the autoscaler to scale the cluster to hold `num_cpus` one-CPU
    bundles and `bundles` (a list of {"resource": amount} dicts) at once."""
    wanted = []
    if num_cpus is not None:
        if isinstance(num_cpus, bool) or not isinstance(num_cpus, numbers.Integral) or num_cpus < 0:
            raise TypeError(f"num_cpus must be a non-negative int, not {num_cpus!r}")
        wanted += [{"CPU": 1}] * int(num_cpus)
    if bundles is not None:
        if not isinstance(bundles, (list, tuple)):
            raise TypeError(f"bundles must be a list of dicts, not {type(bundles).__name__}")
        for i, bundle in enumerate(bundles):
            if not isinstance(bundle, dict) or not bundle:
                raise TypeError(f"bundles[{i}] must be a non-empty dict of resource amounts, not {bundle!r}")
            for name, amount in bundle.items():
                if not isinstance(name, str) or isinstance(amount, bool) or not isinstance(amount, numbers.Real) \
                        or amount < 0:
                    raise ValueError(f"bundles[{i}][{name!r}] must be a resource name with an amount >= 0, "
                                     f"not {amount!r}")
            wanted.append({name: float(amount) for name, amount in bundle.items()})
    worker.core().kv_put(_NAMESPACE, _KEY, json.dumps(wanted).encode(), True)
