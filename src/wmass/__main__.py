"""`python -m wmass` is the same as the `wmass` command."""

from wmass.cli import main

if __name__ == "__main__":
    main()
