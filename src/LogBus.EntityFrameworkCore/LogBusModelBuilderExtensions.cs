using Microsoft.EntityFrameworkCore;

namespace LogBus.EntityFrameworkCore;

/// <summary>Adds LogBus's tables to an application's model, so they live in its DbContext and migrations.</summary>
public static class LogBusModelBuilderExtensions
{
    /// <summary>
    /// Adds the outbox tables: <c>logbus_outbox</c> (messages), <c>logbus_outbox_lanes</c> (relay leases)
    /// and <c>logbus_outbox_relays</c> (live relays). Call from <c>OnModelCreating</c>.
    /// </summary>
    public static ModelBuilder AddLogBusOutbox(this ModelBuilder modelBuilder, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("logbus_outbox", schema);
            e.HasKey(m => m.Sequence);
            e.Property(m => m.Sequence).HasColumnName("sequence").ValueGeneratedOnAdd();
            e.Property(m => m.Lane).HasColumnName("lane");
            e.Property(m => m.Topic).HasColumnName("topic").HasMaxLength(249).IsRequired();
            e.Property(m => m.Key).HasColumnName("key");
            e.Property(m => m.Value).HasColumnName("value").IsRequired();
            e.Property(m => m.Headers).HasColumnName("headers").IsRequired();
            e.Property(m => m.MessageId).HasColumnName("message_id");
            e.Property(m => m.MessageType).HasColumnName("message_type").HasMaxLength(512);
            e.Property(m => m.CreatedAtMs).HasColumnName("created_at_ms");
            e.Property(m => m.Attempts).HasColumnName("attempts");
            e.Property(m => m.NextAttemptAtMs).HasColumnName("next_attempt_at_ms");
            e.Property(m => m.LastError).HasColumnName("last_error");
            e.Property(m => m.ParkedAtMs).HasColumnName("parked_at_ms");
            e.HasIndex(m => new { m.Lane, m.Sequence }).HasDatabaseName("ix_logbus_outbox_lane_sequence");
        });
        modelBuilder.Entity<OutboxLane>(e =>
        {
            e.ToTable("logbus_outbox_lanes", schema);
            e.HasKey(l => l.Lane);
            e.Property(l => l.Lane).HasColumnName("lane").ValueGeneratedNever();
            e.Property(l => l.Owner).HasColumnName("owner").HasMaxLength(200);
            e.Property(l => l.LeaseUntilMs).HasColumnName("lease_until_ms");
        });
        modelBuilder.Entity<OutboxRelayInstance>(e =>
        {
            e.ToTable("logbus_outbox_relays", schema);
            e.HasKey(r => r.Owner);
            e.Property(r => r.Owner).HasColumnName("owner").HasMaxLength(200);
            e.Property(r => r.HeartbeatAtMs).HasColumnName("heartbeat_at_ms");
        });
        return modelBuilder;
    }

    /// <summary>Adds the saga tables <c>logbus_saga_instances</c> and <c>logbus_saga_scheduled</c>. Call from <c>OnModelCreating</c>.</summary>
    public static ModelBuilder AddLogBusSagas(this ModelBuilder modelBuilder, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<SagaInstanceRecord>(e =>
        {
            e.ToTable("logbus_saga_instances", schema);
            e.HasKey(s => new { s.Saga, s.CorrelationId });
            e.Property(s => s.Saga).HasColumnName("saga").HasMaxLength(400);
            e.Property(s => s.CorrelationId).HasColumnName("correlation_id").HasMaxLength(400);
            e.Property(s => s.State).HasColumnName("state").IsRequired();
            e.Property(s => s.Version).HasColumnName("version").IsConcurrencyToken();
            e.Property(s => s.CreatedAtMs).HasColumnName("created_at_ms");
            e.Property(s => s.UpdatedAtMs).HasColumnName("updated_at_ms");
            e.Property(s => s.CompletedAtMs).HasColumnName("completed_at_ms");
            e.HasIndex(s => s.CompletedAtMs).HasDatabaseName("ix_logbus_saga_instances_completed");
        });
        modelBuilder.Entity<SagaScheduledMessage>(e =>
        {
            e.ToTable("logbus_saga_scheduled", schema);
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).HasColumnName("id").ValueGeneratedOnAdd();
            e.Property(s => s.Saga).HasColumnName("saga").HasMaxLength(400);
            e.Property(s => s.CorrelationId).HasColumnName("correlation_id").HasMaxLength(400);
            e.Property(s => s.DueAtMs).HasColumnName("due_at_ms");
            e.Property(s => s.MessageType).HasColumnName("message_type").HasMaxLength(512);
            e.Property(s => s.Payload).HasColumnName("payload").IsRequired();
            e.HasIndex(s => s.DueAtMs).HasDatabaseName("ix_logbus_saga_scheduled_due");
            e.HasIndex(s => new { s.Saga, s.CorrelationId }).HasDatabaseName("ix_logbus_saga_scheduled_instance");
        });
        return modelBuilder;
    }

    /// <summary>Adds the inbox table <c>logbus_inbox</c>. Call from <c>OnModelCreating</c>.</summary>
    public static ModelBuilder AddLogBusInbox(this ModelBuilder modelBuilder, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<InboxMessage>(e =>
        {
            e.ToTable("logbus_inbox", schema);
            e.HasKey(m => new { m.ConsumerGroup, m.MessageId });
            e.Property(m => m.ConsumerGroup).HasColumnName("consumer_group").HasMaxLength(255);
            e.Property(m => m.MessageId).HasColumnName("message_id");
            e.Property(m => m.ProcessedAtMs).HasColumnName("processed_at_ms");
            e.HasIndex(m => m.ProcessedAtMs).HasDatabaseName("ix_logbus_inbox_processed_at");
        });
        return modelBuilder;
    }
}
