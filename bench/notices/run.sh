#!/usr/bin/env bash
# Expiry notices: one `tokenward notify` planning, sending and recording 2,040 deliveries (2,020
# e-mails to a real SMTP listener on loopback, 20 webhooks), against a bare MailKit client sending
# the same e-mails with nothing recorded, in the same run; then the crash test (SIGKILL and
# SIGTERM at random points, both engines) with its count of lost and repeated deliveries.
# Usage: bash bench/notices/run.sh   (PostgreSQL binaries as scripts/test installs them)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build tests/Tokenward.Tests -c Release -v quiet -nologo >/dev/null
out="bench/results/notices-$(date -u +%F).txt"
dotnet test tests/Tokenward.Tests -c Release --no-build --filter "FullyQualifiedName~NoticeDeliveryFaultTests" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "2,040 deliveries|engine (Sqlite|Postgres)|Passed!|Failed!" | tee "$out"
echo "results in $out"
