"""Runs moto's server with LambdaStack's extensions registered (see the package docstring)."""

import sys

from moto.server import main

from . import register

if __name__ == "__main__":
    register()
    main(sys.argv[1:])
