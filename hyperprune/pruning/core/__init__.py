"""What every pruning method shares: protocol, masks, sparsity check, kept counts, allocation."""
