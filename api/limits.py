"""A query cost limit: reject operations whose estimated result size is too large.

The estimate counts fields and multiplies the cost of a field's selection
by the number of items the field can return. That number is the `first`
argument where the field has one (its literal, variable or default value).
Relay `edges` count once, because the connection's `first` already counted
them. Other list fields, such as transcript messages and signals, count
`default_list_size` items. Introspection fields cost nothing here; the GRAPHQL_INTROSPECTION
setting controls them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

MAX_FRAGMENT_DEPTH = 50


def _is_list(field_type) -> bool:
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def _first_argument(field_def, node: FieldNode, variables: Mapping[str, Any]) -> int | None:
    argument_def = field_def.args.get("first")
    if argument_def is None:
        return None
    for argument in node.arguments or ():
        if argument.name.value != "first":
            continue
        if isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
        if isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
            if isinstance(value, int):
                return value
    default = argument_def.default_value
    return default if isinstance(default, int) and default is not Undefined else None


class CostEstimator:
    """Estimates the cost of one operation of a document against a schema."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any], default_list_size: int):
        self.schema = schema
        self.variables = variables or {}
        self.default_list_size = default_list_size
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.document = document

    def operations(self) -> Iterator[OperationDefinitionNode]:
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                yield definition

    def operation_cost(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        return self.selection_cost(operation.selection_set, root, 0)

    def selection_cost(self, selection_set: SelectionSetNode | None, parent_type, depth: int) -> int:
        if selection_set is None or depth > MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent_type, depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = self.schema.get_type(condition.name.value) if condition else parent_type
                total += self.selection_cost(selection.selection_set, fragment_type or parent_type, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    fragment_type = self.schema.get_type(fragment.type_condition.name.value) or parent_type
                    total += self.selection_cost(fragment.selection_set, fragment_type, depth + 1)
        return total

    def field_cost(self, node: FieldNode, parent_type, depth: int) -> int:
        name = node.name.value
        fields = getattr(parent_type, "fields", None)
        if name.startswith("__") or not fields or name not in fields:
            return 0
        field_def = fields[name]
        child_cost = self.selection_cost(node.selection_set, get_named_type(field_def.type), depth + 1)
        first = _first_argument(field_def, node, self.variables)
        if first is not None:
            multiplier = max(first, 1)
        elif name == "edges" or not _is_list(field_def.type):
            multiplier = 1
        else:
            multiplier = self.default_list_size
        return 1 + multiplier * child_cost


def estimate_cost(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None, default_list_size: int = 10
) -> int:
    """Return the largest estimated cost among the document's operations."""
    estimator = CostEstimator(schema, document, variables or {}, default_list_size)
    return max((estimator.operation_cost(op) for op in estimator.operations()), default=0)


class QueryCostLimiter(SchemaExtension):
    """Rejects an operation before execution when its estimated cost exceeds `max_cost`.

    The error names the limit (setting GRAPHQL_MAX_COST) so the caller knows what to shrink.
    """

    def __init__(self, max_cost: int, default_list_size: int = 10):
        super().__init__()
        self.max_cost = max_cost
        self.default_list_size = default_list_size

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            cost = estimate_cost(context.schema._schema, document, context.variables, self.default_list_size)
            if cost > self.max_cost:
                # Setting the errors before validation runs makes strawberry skip validation and return them.
                context.pre_execution_errors = [
                    GraphQLError(
                        f"The query's estimated cost is {cost}, above the maximum of {self.max_cost} "
                        "(setting GRAPHQL_MAX_COST). Request fewer items with `first` or fewer nested lists."
                    )
                ]
        yield
