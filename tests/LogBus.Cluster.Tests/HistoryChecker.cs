using System.Globalization;
using System.Text.Json;

namespace LogBus.Cluster.Tests;

/// <summary>
/// A checker over the full history of a fault test, in the spirit of Jepsen's Kafka checker:
/// <list type="bullet">
/// <item><b>lost writes</b>: every acknowledged value is in the final log, at the offset its
/// acknowledgement gave;</item>
/// <item><b>duplicates</b>: no value appears twice in the final log;</item>
/// <item><b>inconsistent offsets</b>: an offset holds one value for every observer (acknowledgements,
/// consumer reads, final read), and a value lives at one offset;</item>
/// <item><b>order</b>: each producer's values appear in increasing sequence within a partition
/// (idempotent producers keep per-partition order across retries);</item>
/// <item><b>non-monotonic reads</b>: within one assignment, a consumer's offsets for a partition
/// strictly increase;</item>
/// <item><b>phantom values</b>: everything read was sent.</item>
/// </list>
/// Values are <c>producer-sequence</c>; values whose send failed or was never acknowledged are
/// indeterminate (may or may not be in the log, but at most once).
/// </summary>
internal static class HistoryChecker
{
    /// <summary>What the checker found.</summary>
    public sealed record Report(int Sent, int Acked, int Failed, int FinalRecords, int ConsumerReads, IReadOnlyList<string> Errors)
    {
        public bool Valid => Errors.Count == 0;

        public override string ToString() =>
            $"sent {Sent}, acked {Acked}, failed {Failed}, final log {FinalRecords} records, consumer reads {ConsumerReads}, {Errors.Count} errors"
            + (Errors.Count == 0 ? "" : ":\n  " + string.Join("\n  ", Errors.Take(30)));
    }

    /// <summary>Checks a history (JSON lines from the producers and consumers) against the final read (JSON lines {p, o, v}).</summary>
    public static Report Check(IEnumerable<string> history, IEnumerable<string> finalRead)
    {
        var errors = new List<string>();
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var acked = new Dictionary<string, (int P, long O)>(StringComparer.Ordinal);
        var failed = 0;
        var reads = new List<(string C, int P, long O, string V)>();
        var assignments = new List<(int Index, string C)>();
        foreach (var line in history)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                continue; // a line torn by a killed writer
            }

            switch (e.GetProperty("t").GetString())
            {
                case "send":
                    sent.Add(e.GetProperty("v").GetString()!);
                    break;
                case "ack":
                    var value = e.GetProperty("v").GetString()!;
                    var at = (e.GetProperty("p").GetInt32(), e.GetProperty("o").GetInt64());
                    if (acked.TryGetValue(value, out var previous) && previous != at)
                    {
                        errors.Add($"inconsistent offsets: {value} acknowledged at {previous} and at {at}");
                    }

                    acked[value] = at;
                    break;
                case "fail":
                    failed++;
                    break;
                case "read":
                    reads.Add((e.GetProperty("c").GetString()!, e.GetProperty("p").GetInt32(), e.GetProperty("o").GetInt64(), e.GetProperty("v").GetString()!));
                    break;
                case "assign":
                case "revoke":
                    assignments.Add((reads.Count, e.GetProperty("c").GetString()!));
                    break;
                default:
                    break;
            }
        }

        var log = new Dictionary<(int P, long O), string>();
        var where = new Dictionary<string, (int P, long O)>(StringComparer.Ordinal);
        var finalCount = 0;
        foreach (var line in finalRead)
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (!e.TryGetProperty("v", out var v))
            {
                continue;
            }

            finalCount++;
            var value = v.GetString()!;
            var at = (e.GetProperty("p").GetInt32(), e.GetProperty("o").GetInt64());
            if (log.TryGetValue(at, out var other) && other != value)
            {
                errors.Add($"inconsistent offsets: final read has {other} and {value} at {at}");
            }

            log[at] = value;
            if (where.TryGetValue(value, out var first))
            {
                errors.Add($"duplicate: {value} at {first} and at {at}");
            }
            else
            {
                where[value] = at;
            }

            if (!sent.Contains(value))
            {
                errors.Add($"phantom: {value} at {at} was never sent");
            }
        }

        foreach (var (value, at) in acked)
        {
            if (!where.TryGetValue(value, out var found))
            {
                errors.Add($"lost write: {value} acknowledged at {at} is not in the final log");
            }
            else if (found != at)
            {
                errors.Add($"inconsistent offsets: {value} acknowledged at {at} but found at {found}");
            }
        }

        // Order: per partition, each producer's sequence numbers increase with the offset.
        foreach (var partition in log.GroupBy(kv => kv.Key.P))
        {
            var last = new Dictionary<string, (long Seq, long Offset)>(StringComparer.Ordinal);
            foreach (var (at, value) in partition.OrderBy(kv => kv.Key.O).Select(kv => (kv.Key, kv.Value)))
            {
                var (producer, seq) = Split(value);
                if (last.TryGetValue(producer, out var previous) && previous.Seq >= seq)
                {
                    errors.Add($"order: partition {at.P} has {producer}-{seq} at {at.O} after {producer}-{previous.Seq} at {previous.Offset}");
                }

                last[producer] = (seq, at.O);
            }
        }

        // Reads: consistent with the final log, and monotonic per consumer and partition within an assignment.
        var position = new Dictionary<(string C, int P), long>();
        var nextAssignment = 0;
        for (var i = 0; i < reads.Count; i++)
        {
            while (nextAssignment < assignments.Count && assignments[nextAssignment].Index <= i)
            {
                var consumer = assignments[nextAssignment].C;
                foreach (var key in position.Keys.Where(k => k.C == consumer).ToList())
                {
                    position.Remove(key);
                }

                nextAssignment++;
            }

            var (c, p, o, v) = reads[i];
            if (log.TryGetValue((p, o), out var logged) && logged != v)
            {
                errors.Add($"inconsistent offsets: consumer {c} read {v} at ({p}, {o}) where the log has {logged}");
            }
            else if (!log.ContainsKey((p, o)))
            {
                errors.Add($"phantom read: consumer {c} read {v} at ({p}, {o}), which is not in the final log");
            }

            if (position.TryGetValue((c, p), out var before) && o <= before)
            {
                errors.Add($"non-monotonic read: consumer {c} read partition {p} offset {o} after offset {before}");
            }

            position[(c, p)] = o;
        }

        return new Report(sent.Count, acked.Count, failed, finalCount, reads.Count, errors);
    }

    private static (string Producer, long Seq) Split(string value)
    {
        var dash = value.LastIndexOf('-');
        return dash > 0 && long.TryParse(value.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? (value[..dash], seq)
            : (value, -1);
    }
}
