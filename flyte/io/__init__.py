"""Files, directories and dataframes that tasks pass to each other."""

from ._base import IOValue
from ._dataframe import PARQUET, DataFrame
from ._dir import Dir, EmptyDir
from ._file import File
from ._hashing import HashFunction, HashMethod

__all__ = ["PARQUET", "DataFrame", "Dir", "EmptyDir", "File", "HashFunction", "HashMethod", "IOValue"]
