"""`python -m cxmine` runs the command-line interface."""
from cxmine.cli.app import main

if __name__ == "__main__":
    main()
