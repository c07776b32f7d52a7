using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Tokenward.Storage;

/// <summary>
/// EF Core view of the schema. The schema itself comes from <see cref="Migrations.Migrator"/>
/// (hand-written, per engine), so table and column names match GitLab's exactly.
/// </summary>
public sealed class TokenwardDb(DbContextOptions<TokenwardDb> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();

    public DbSet<Namespace> Namespaces => Set<Namespace>();

    public DbSet<Project> Projects => Set<Project>();

    public DbSet<Member> Members => Set<Member>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<ApplicationSetting> ApplicationSettings => Set<ApplicationSetting>();

    public DbSet<TokenExpiryNotification> TokenExpiryNotifications => Set<TokenExpiryNotification>();

    public DbSet<TokenExpiryBackfill> TokenExpiryBackfills => Set<TokenExpiryBackfill>();

    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();

    public DbSet<AuditShipping> AuditShipping => Set<AuditShipping>();

    public static void Configure(DbContextOptionsBuilder options, DatabaseTarget target)
    {
        target.Storage.UseWith(options, target.ConnectionString);

        // EF Core logs every failed query, command and connection with its stack trace before
        // throwing; the exception reaches our code, which answers 503 (logged once in a while) or
        // logs it once. Left on, a database outage writes a stack trace per request.
        options.ConfigureWarnings(w => w.Ignore(
            CoreEventId.QueryIterationFailed, CoreEventId.SaveChangesFailed,
            RelationalEventId.ConnectionError, RelationalEventId.CommandError, RelationalEventId.TransactionError));
        options.UseSnakeCaseNamingConvention();
        options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        options.AddInterceptors(DbTiming.Interceptor);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasMany(u => u.PersonalAccessTokens).WithOne(t => t.User).HasForeignKey(t => t.UserId);
        });
        modelBuilder.Entity<PersonalAccessToken>(e => e.ToTable("personal_access_tokens"));
        modelBuilder.Entity<User>().Ignore(u => u.IsBot);
        modelBuilder.Entity<Namespace>(e => e.ToTable("namespaces"));
        modelBuilder.Entity<Project>(e => e.ToTable("projects"));
        modelBuilder.Entity<Member>(e => e.ToTable("members"));
        modelBuilder.Entity<AuditEvent>(e => e.ToTable("audit_events"));
        modelBuilder.Entity<AuditShipping>(e =>
        {
            e.ToTable("audit_shipping");
            e.Property(s => s.Id).ValueGeneratedNever();
        });
        modelBuilder.Entity<NotificationDelivery>(e =>
        {
            e.ToTable("notification_deliveries");
            e.Ignore(d => d.IdempotencyKey);
        });
        modelBuilder.Entity<TokenExpiryNotification>(e =>
        {
            e.ToTable("token_expiry_notifications");
            e.HasKey(n => new { n.PersonalAccessTokenId, n.Notice, n.ExpiresAt });
        });
        modelBuilder.Entity<ApplicationSetting>(e =>
        {
            e.ToTable("application_settings");
            e.Property(s => s.Id).ValueGeneratedNever();
        });
        modelBuilder.Entity<TokenExpiryBackfill>(e =>
        {
            e.ToTable("token_expiry_backfills");
            e.HasKey(b => b.PersonalAccessTokenId);
            e.Property(b => b.PersonalAccessTokenId).ValueGeneratedNever();
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite hands DateTime back as Unspecified; every time we store is UTC, so say so.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v, DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
