#!/usr/bin/env python3
"""Profiles training steps of the PyTorch reference (../shared/peers/torch_two_tower.py) with
torch.profiler and writes a Chrome trace, for benchmarks/profile.py.

    /usr/bin/python3 benchmarks/peer-profile.py OUT.json SKIP STEPS -- PEER_ARGS...

PEER_ARGS are the peer's own options in its timing mode (they must include --time-steps and
--time-warmup-steps, with --time-steps + --time-warmup-steps >= SKIP + STEPS). The steps after the
first SKIP are recorded, STEPS of them; a step starts where the peer computes its loss. The peer
script is imported, not changed.
"""
import importlib.util
import os
import sys

import torch


def main(argv):
    if len(argv) < 5 or argv[4] != "--":
        sys.exit(__doc__)
    out, skip, steps = argv[1], int(argv[2]), int(argv[3])
    path = os.environ.get("PEER", os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                               "peers", "torch_two_tower.py"))
    spec = importlib.util.spec_from_file_location("peer", path)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    schedule = torch.profiler.schedule(wait=max(skip - 1, 0), warmup=1 if skip > 0 else 0,
                                       active=steps, repeat=1)
    prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                  schedule=schedule)
    loss = peer.sampled_softmax_loss
    calls = [0]

    def stepping_loss(*a, **k):
        if calls[0] > 0:
            prof.step()
        calls[0] += 1
        return loss(*a, **k)

    peer.sampled_softmax_loss = stepping_loss
    with prof:
        peer.main(argv[5:])
        prof.step()
    prof.export_chrome_trace(out)


if __name__ == "__main__":
    main(sys.argv)
