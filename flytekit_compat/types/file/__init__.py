"""`flytekit.types.file`."""

from ._file import (
    CSVFile,
    FlyteFile,
    HDF5EncodedFile,
    HTMLPage,
    JoblibSerializedFile,
    JPEGImageFile,
    JSONLFile,
    ONNXFile,
    PDFFile,
    PNGImageFile,
    PythonNotebook,
    PythonPickledFile,
    SVGImageFile,
    TFRecordFile,
)

FileExt = str

__all__ = [
    "CSVFile", "FileExt", "FlyteFile", "HDF5EncodedFile", "HTMLPage", "JPEGImageFile", "JSONLFile",
    "JoblibSerializedFile", "ONNXFile", "PDFFile", "PNGImageFile", "PythonNotebook", "PythonPickledFile",
    "SVGImageFile", "TFRecordFile",
]
