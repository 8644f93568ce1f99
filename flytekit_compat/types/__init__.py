"""flytekit's data types: files, directories, structured datasets, errors."""
