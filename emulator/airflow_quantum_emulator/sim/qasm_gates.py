"""OpenQASM gates: definitions, modifiers, calls, broadcasting, and inlining into operations.

:class:`GateParser` resolves a gate name (a user ``gate`` definition, a built-in ``U``/``CX``/
``gphase``, or a standard gate once ``stdgates.inc`` or ``qelib1.inc`` is included), reads the
modifiers ``inv``, ``pow(k)`` (integer k), ``ctrl(n)`` and ``negctrl(n)``, checks arities,
broadcasts a call over registers and appends :class:`GateOp` operations with user gates inlined.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from airflow_quantum_emulator.sim import expr as ex
from airflow_quantum_emulator.sim.circuit import GateOp, Instruction, Operation
from airflow_quantum_emulator.sim.errors import QasmError
from airflow_quantum_emulator.sim.gates import BASE_GATES, BUILTIN_GATES, STANDARD_GATES
from airflow_quantum_emulator.sim.qasm_expressions import CONSTANTS
from airflow_quantum_emulator.sim.qasm_lexer import Token, tokenize
from airflow_quantum_emulator.sim.qasm_operands import OperandParser, QubitArg

MAX_OPERATIONS = 1_000_000
MODIFIERS = ("inv", "pow", "ctrl", "negctrl")


@dataclass(frozen=True)
class _BodyCall:
    gate: _GateRef
    params: tuple[ex.Expr, ...]
    qubits: tuple[int, ...]  # positions in the enclosing gate's qubit list
    ctrl_states: tuple[int, ...]  # one per modifier control (the first qubits)
    power: int


@dataclass
class _GateDef:
    name: str
    params: tuple[str, ...]
    qubits: tuple[str, ...]
    body: list[_BodyCall]


# A (base gate, leading controls) pair from STANDARD_GATES / BUILTIN_GATES, or a user definition.
_GateRef = tuple[str, int] | _GateDef


class GateParser(OperandParser):
    """Gate definitions and gate calls, and the operations and instructions they produce."""

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.standard_gates = False
        self.parameters: list[str] = []
        self.gates: dict[str, _GateDef] = {}
        self.ops: list[Operation] = []
        self.instructions: list[Instruction] = []

    # -- gate definitions ----------------------------------------------------------------------

    def gate_definition(self) -> None:
        self.next()
        token = self.expect_identifier("a gate name")
        name = token.text
        if name in self.gates:
            raise QasmError(f"gate {name!r} is already defined", token.line)
        if name in self.qubit_registers or name in self.clbit_registers or name in self.parameters:
            raise QasmError(f"{name!r} is already declared", token.line)
        params: list[str] = []
        if self.accept("("):
            if not self.at(")"):
                params = self.identifier_list("a parameter name")
            self.expect(")")
        qubits = self.identifier_list("a qubit name")
        for names, what in ((params, "parameter"), (qubits, "qubit")):
            if len(set(names)) != len(names):
                raise QasmError(f"gate {name!r} repeats a {what} name", token.line)
        if set(params) & set(qubits):
            raise QasmError(f"gate {name!r} uses a name for a parameter and a qubit", token.line)
        reserved = set(params + qubits) & set(CONSTANTS)
        if reserved:
            raise QasmError(f"{reserved.pop()!r} is a reserved name", token.line)
        self.expect("{")
        body: list[_BodyCall] = []
        while not self.accept("}"):
            if self.peek().kind == "eof":
                raise QasmError(f"missing '}}' at the end of gate {name!r}", self.peek().line)
            call = self.body_statement(name, tuple(params), tuple(qubits))
            if call is not None:
                body.append(call)
        self.gates[name] = _GateDef(name, tuple(params), tuple(qubits), body)

    def identifier_list(self, what: str) -> list[str]:
        names = [self.expect_identifier(what).text]
        while self.accept(","):
            names.append(self.expect_identifier(what).text)
        return names

    def body_statement(
        self, gate_name: str, params: tuple[str, ...], qubits: tuple[str, ...]
    ) -> _BodyCall | None:
        token = self.peek()
        if self.at("barrier"):
            self.next()
            while not self.accept(";"):
                self.next()
                if self.peek().kind == "eof":
                    raise QasmError("missing ';'", token.line)
            return None
        if token.kind == "id" and token.text in ("measure", "reset", "delay"):
            raise QasmError(f"{token.text!r} is not allowed inside gate {gate_name!r}", token.line)
        ctrl_states, power = self.modifiers(allowed_names=params)
        name_token = self.expect_identifier("a gate name")
        if name_token.text == gate_name:
            raise QasmError(f"gate {gate_name!r} cannot call itself", name_token.line)
        gate = self.resolve_gate(name_token)
        args = self.parameter_list(allowed_names=params)
        positions: list[int] = []
        if not self.at(";"):
            while True:
                arg = self.expect_identifier("a qubit argument of the gate")
                if arg.text not in qubits:
                    raise QasmError(
                        f"{arg.text!r} is not a qubit argument of gate {gate_name!r}", arg.line
                    )
                positions.append(qubits.index(arg.text))
                if not self.accept(","):
                    break
        self.expect(";")
        self.check_arity(name_token, gate, len(args), len(ctrl_states), len(positions))
        if len(set(positions)) != len(positions):
            raise QasmError(f"duplicate qubit arguments to {name_token.text!r}", name_token.line)
        return _BodyCall(gate, tuple(args), tuple(positions), tuple(ctrl_states), power)

    # -- gate calls ----------------------------------------------------------------------------

    def resolve_gate(self, token: Token) -> _GateRef:
        name = token.text
        if name in self.gates:
            return self.gates[name]
        if name in BUILTIN_GATES:
            return BUILTIN_GATES[name]
        if self.standard_gates:
            if name in STANDARD_GATES:
                return STANDARD_GATES[name]
            if name in _library():
                return _library()[name]
        hint = ""
        if name in STANDARD_GATES or name in _library():
            hint = ' (add include "stdgates.inc"; or include "qelib1.inc";)'
        raise QasmError(f"unknown gate {name!r}{hint}", token.line)

    def check_arity(
        self, token: Token, gate: _GateRef, n_params: int, n_modifier_controls: int, n_qubits: int
    ) -> None:
        if isinstance(gate, _GateDef):
            want_params, want_qubits = len(gate.params), len(gate.qubits)
        else:
            base = BASE_GATES[gate[0]]
            want_params, want_qubits = base.num_params, gate[1] + base.num_targets
        if n_params != want_params:
            raise QasmError(
                f"gate {token.text!r} takes {want_params} parameter(s), got {n_params}", token.line
            )
        want_qubits += n_modifier_controls
        if n_qubits != want_qubits:
            raise QasmError(
                f"gate {token.text!r} acts on {want_qubits} qubit(s), got {n_qubits}", token.line
            )

    def modifiers(self, allowed_names: tuple[str, ...]) -> tuple[list[int], int]:
        ctrl_states: list[int] = []
        power = 1
        while self.peek().kind == "id" and self.peek().text in MODIFIERS:
            if not (self.at("@", 1) or self.at("(", 1)):
                break
            token = self.next()
            if token.text == "inv":
                power = -power
            elif token.text == "pow":
                self.expect("(")
                exponent = self.integer_constant("an integer pow() exponent", allowed_names)
                self.expect(")")
                power *= exponent
            else:
                count = 1
                if self.accept("("):
                    count = self.integer_constant("a control count", allowed_names)
                    self.expect(")")
                    if count < 1:
                        raise QasmError("the control count must be at least 1", token.line)
                ctrl_states.extend([1 if token.text == "ctrl" else 0] * count)
            self.expect("@")
        return ctrl_states, power

    def parameter_list(self, allowed_names: tuple[str, ...]) -> list[ex.Expr]:
        if not self.accept("("):
            return []
        args: list[ex.Expr] = []
        if not self.at(")"):
            args.append(self.expression(allowed_names))
            while self.accept(","):
                args.append(self.expression(allowed_names))
        self.expect(")")
        return args

    def gate_call(self) -> None:
        ctrl_states, power = self.modifiers(allowed_names=())
        name_token = self.expect_identifier("a gate name or statement")
        gate = self.resolve_gate(name_token)
        args = self.parameter_list(allowed_names=tuple(self.parameters))
        if self.at("["):
            raise QasmError("unsupported: gate durations", name_token.line)
        qargs: list[QubitArg] = []
        if not self.at(";"):
            qargs = [self.qubit_argument()]
            while self.accept(","):
                qargs.append(self.qubit_argument())
        self.expect(";")
        self.check_arity(name_token, gate, len(args), len(ctrl_states), len(qargs))
        name = _written_name(name_token.text, ctrl_states, power)
        for qubits in self.broadcast(name_token, qargs):
            self.instructions.append(Instruction(name, qubits, name_token.line))
            self.emit(gate, tuple(args), qubits, tuple(ctrl_states), power)

    def broadcast(self, token: Token, qargs: list[QubitArg]) -> list[tuple[int, ...]]:
        lengths = {len(arg.indices) for arg in qargs if arg.is_register}
        if len(lengths) > 1:
            raise QasmError(
                f"registers of different sizes given to {token.text!r} ({sorted(lengths)})",
                token.line,
            )
        count = lengths.pop() if lengths else 1
        calls = []
        for i in range(count):
            qubits = tuple(arg.indices[i] if arg.is_register else arg.indices[0] for arg in qargs)
            if len(set(qubits)) != len(qubits):
                raise QasmError(f"duplicate qubit arguments to {token.text!r}", token.line)
            calls.append(qubits)
        return calls

    def emit(
        self,
        gate: _GateRef,
        params: tuple[ex.Expr, ...],
        qubits: tuple[int, ...],
        ctrl_states: tuple[int, ...],
        power: int,
    ) -> None:
        """Append ``gate`` (user gates inlined) with ``len(ctrl_states)`` leading control qubits."""
        outer_controls, own = qubits[: len(ctrl_states)], qubits[len(ctrl_states) :]
        if not isinstance(gate, _GateDef):
            base, n_controls = gate
            if len(self.ops) >= MAX_OPERATIONS:
                raise QasmError(f"the circuit has more than {MAX_OPERATIONS} operations")
            self.ops.append(
                GateOp(
                    base,
                    params,
                    targets=own[n_controls:],
                    controls=outer_controls + own[:n_controls],
                    ctrl_states=ctrl_states + (1,) * n_controls,
                    power=power,
                )
            )
            return
        if not gate.body or power == 0:
            return
        mapping = dict(zip(gate.params, params, strict=True))
        body = gate.body if power > 0 else list(reversed(gate.body))
        sign = 1 if power > 0 else -1
        for _ in range(abs(power)):
            for call in body:
                self.emit(
                    call.gate,
                    tuple(p.substitute(mapping) for p in call.params),
                    outer_controls + tuple(own[i] for i in call.qubits),
                    ctrl_states + call.ctrl_states,
                    call.power * sign,
                )


_LIBRARY_SOURCE = """
gate rccx a, b, c {
  u2(0, pi) c; u1(pi/4) c; cx b, c; u1(-pi/4) c; cx a, c; u1(pi/4) c; cx b, c; u1(-pi/4) c;
  u2(0, pi) c;
}
gate rc3x a, b, c, d {
  u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d; cx a, d; u1(pi/4) d; cx b, d;
  u1(-pi/4) d; cx a, d; u1(pi/4) d; cx b, d; u1(-pi/4) d; u2(0, pi) d; u1(pi/4) d; cx c, d;
  u1(-pi/4) d; u2(0, pi) d;
}
"""


def _written_name(name: str, ctrl_states: list[int], power: int) -> str:
    """A gate call's name with its modifiers, as an instruction-set check sees it."""
    modifiers = [("ctrl" if state else "negctrl") for state in ctrl_states]
    if power != 1:
        modifiers.insert(0, "inv" if power == -1 else f"pow({power})")
    return " @ ".join([*modifiers, name])


@cache
def _library() -> dict[str, _GateDef]:
    """qelib1.inc gates defined by their decomposition (their relative phases are the point)."""
    parser = GateParser(tokenize(_LIBRARY_SOURCE))
    parser.standard_gates = True
    while parser.peek().kind != "eof":  # the source holds gate definitions only
        parser.gate_definition()
    return parser.gates
