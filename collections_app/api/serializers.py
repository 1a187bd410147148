from __future__ import annotations

from rest_framework import serializers

from collections_app.models import Case


class CaseSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    borrower_external_id = serializers.CharField(source="account.borrower.external_id", read_only=True)
    agent = serializers.CharField(source="agent.user.username", read_only=True, default=None, allow_null=True)
    team = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id", "account_external_id", "borrower_external_id", "status", "bucket", "dpd", "overdue_amount",
            "priority", "next_action_at", "opened_on", "closed_on", "close_reason", "team", "agent", "locked",
            "assigned_at",
        ]


class CaseAssignSerializer(serializers.Serializer):
    agent = serializers.CharField(help_text="Username of the agent to take the case; null to unassign.", allow_null=True)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    lock = serializers.BooleanField(required=False, allow_null=True, default=None)
