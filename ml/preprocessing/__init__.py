"""Study → model inputs: DICOM pixel data to a normalised image tensor, notes to token windows.

See :mod:`ml.preprocessing.dicom` for the pixel pipeline and its policies,
:mod:`ml.preprocessing.image` for the shared MONAI transform, and :mod:`ml.preprocessing.notes`
for long-note windowing.
"""

from ml.preprocessing.dicom import ImageDecodeError, read_grey_image, select_study_instance
from ml.preprocessing.image import (
    LoadDicomStudy,
    PreprocessingConfig,
    build_image_transform,
    describe_image_transform,
    load_study_image,
)
from ml.preprocessing.notes import NoteTokenizer, NoteWindows, note_is_present, windows_from_ids

__all__ = [
    "ImageDecodeError",
    "LoadDicomStudy",
    "NoteTokenizer",
    "NoteWindows",
    "PreprocessingConfig",
    "build_image_transform",
    "describe_image_transform",
    "load_study_image",
    "note_is_present",
    "read_grey_image",
    "select_study_instance",
    "windows_from_ids",
]
