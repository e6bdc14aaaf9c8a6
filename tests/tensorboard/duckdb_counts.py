"""Summarise raw predictions with DuckDB, as a data team would before `tbconfusion convert`.

Usage: duckdb_counts.py RAW_CSV OUT_DIR

Loads RAW_CSV (step, y_true, y_pred, weight, wall_time), writes it to OUT_DIR/predictions.parquet,
then runs the GROUP BY over the Parquet file and writes the counts table as OUT_DIR/counts.csv
and OUT_DIR/counts.parquet.
"""

import sys
from pathlib import Path

import duckdb


def main() -> None:
    raw_csv, out_dir = sys.argv[1], Path(sys.argv[2])
    predictions = out_dir / "predictions.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{raw_csv}', header = true)) TO '{predictions}' (FORMAT parquet)"
    )
    summary = f"""
        SELECT step, y_true, y_pred, count(*) AS count, sum(weight) AS weight,
               max(wall_time) AS wall_time
        FROM '{predictions}'
        GROUP BY step, y_true, y_pred
        ORDER BY step, y_true, y_pred
    """
    con.execute(f"COPY ({summary}) TO '{out_dir / 'counts.csv'}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY ({summary}) TO '{out_dir / 'counts.parquet'}' (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*), sum(count) FROM ({summary})").fetchone()
    print(f"{rows[0]} rows summarising {rows[1]} predictions")


if __name__ == "__main__":
    main()
