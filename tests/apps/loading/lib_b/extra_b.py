NAME = "extra_b"
