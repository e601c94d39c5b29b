"""Lyapunov tests run single-threaded: other test runs share the machine."""

import torch

torch.set_num_threads(1)
