"""`flytekit.types.file`."""

import typing

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


class FileExt:
    """A file extension as an annotation, for extensions with dots: `FlyteFile[Annotated[str, FileExt("tar.gz")]]`."""

    def __init__(self, ext: str):
        self._ext = ext

    def __str__(self) -> str:
        return self._ext

    __repr__ = __str__

    @staticmethod
    def check_and_convert_to_str(item: typing.Any) -> str:
        """The extension named by `item`: a string, or `Annotated[str, FileExt(...)]`."""
        if typing.get_origin(item) is not typing.Annotated:
            return str(item)
        if typing.get_args(item)[0] is str:
            return str(typing.get_args(item)[1])
        raise ValueError("Underlying type of File Extension must be of type <str>")

__all__ = [
    "CSVFile", "FileExt", "FlyteFile", "HDF5EncodedFile", "HTMLPage", "JPEGImageFile", "JSONLFile",
    "JoblibSerializedFile", "ONNXFile", "PDFFile", "PNGImageFile", "PythonNotebook", "PythonPickledFile",
    "SVGImageFile", "TFRecordFile",
]
