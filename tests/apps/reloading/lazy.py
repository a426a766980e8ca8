VERSION = "lazy1"
