"""Test apps wrapped in wsgiref.validate.validator, which checks both sides of PEP 3333 as the app runs.

Any breach it finds raises AssertionError inside the request, which dram turns into a 500 and a
traceback in its log; its WSGIWarnings are made errors too, so they cannot pass unnoticed.
"""
import warnings
from wsgiref.validate import WSGIWarning, validator

import environ_probe
import errors_writer
import input_keeper
import input_probe
import upload_count

warnings.simplefilter("error", WSGIWarning)

environ_probe_app = validator(environ_probe.application)
input_probe_app = validator(input_probe.application)
upload_count_app = validator(upload_count.application)
errors_writer_app = validator(errors_writer.application)
input_keeper_app = validator(input_keeper.application)
