"""Dynamic sparse training (Selfish-RNN): a fixed budget of weights that moves during training."""
