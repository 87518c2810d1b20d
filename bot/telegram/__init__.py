"""Bot API plumbing: the request layer, pacing, flood control, update order and every callback-data codec."""
