"""The import benchmark's baseline, run as a process of its own: insert the rows of a pickle
(``{"order": [table, …], "tables": {table: (columns, rows)}}``) with one DB-API ``executemany``
per table, then commit. Nothing of the portal is imported: this is the floor of the writes.

    python bench/raw_insert.py DATABASE_URL ROWS.pickle
"""
import pickle
import sys


def connect(url: str):
    """(DB-API connection, parameter mark) for a SQLAlchemy-style URL."""
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.split(":///", 1)[1])
        # the pragmas every portal connection gets (portal/database.py)
        for pragma in ("busy_timeout=10000", "journal_mode=WAL", "foreign_keys=ON",
                       "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        return connection, "?"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)), "%s"


def main():
    url, path = sys.argv[1:3]
    with open(path, "rb") as handle:
        data = pickle.load(handle)
    connection, mark = connect(url)
    try:
        cursor = connection.cursor()
        for table in data["order"]:
            columns, rows = data["tables"][table]
            names = ", ".join(f'"{c}"' for c in columns)
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES '
                               f'({", ".join([mark] * len(columns))})', rows)
        connection.commit()
    finally:
        connection.close()


if __name__ == "__main__":
    main()
