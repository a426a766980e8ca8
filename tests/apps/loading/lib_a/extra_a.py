NAME = "extra_a"
