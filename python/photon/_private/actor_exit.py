"""photon.actor.exit_actor(): an actor ending itself on purpose.

The actor asks the GCS to end it without a restart, as an intentional exit
(later calls raise ActorDiedError saying "it exited intentionally"), and its
worker exits.
"""

import os
import sys

from photon._private.state import state


def exit_current(actor_id):
    """Ends the actor `actor_id`, which this process runs; does not return."""
    core = state.require_core()
    try:
        core.kill_actor(actor_id, True, True)
    finally:
        # The GCS ends the worker once asked; this ends it in any case (and
        # without a restart, as it was asked first).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
