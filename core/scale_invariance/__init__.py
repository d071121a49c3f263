"""Scale invariance: the squares experiment, near and far objects, the trained scale study and shifts.

* :mod:`core.scale_invariance.squares` — squares and corner detectors under repeated max pooling;
* :mod:`core.scale_invariance.near_far` — one object near and far;
* :mod:`core.scale_invariance.study` — tiny CNNs trained at one scale and tested across scales;
* :mod:`core.scale_invariance.shift` — how pooling reacts to a one-pixel shift.
"""
