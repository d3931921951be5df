"""The architecture specification language: machine files -> validated Spec IR."""
from .asm import Assembled, Assembler
from .encoding import Decoder, encode
from .errors import DcsimError, Loc, MachineFault, SpecError
from .loader import load_machine, load_machine_text
from .types import IntType

__all__ = ["Assembled", "Assembler", "Decoder", "DcsimError", "IntType", "Loc", "MachineFault",
           "SpecError", "encode", "load_machine", "load_machine_text"]
