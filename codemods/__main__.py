"""`python -m codemods ...` is `flyte-migrate ...`."""

from ._cli import main

if __name__ == "__main__":
    main()
