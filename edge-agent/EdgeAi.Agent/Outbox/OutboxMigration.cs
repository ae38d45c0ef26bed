using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>
/// Rewrites a whole outbox file under another key: plain to encrypted when encryption comes on, back to
/// plain when it goes off. Every collection is copied, document by document with its own _id, into
/// <c>outbox.migrating.db</c> written with the new key; only when that file is complete and on disk does it
/// replace the old one, by one rename. A kill at any point leaves the old file whole (the next start
/// discards the half-written copy and starts over) or the new one complete; never neither.
/// <para>
/// Not LiteDB's <c>Rebuild(new RebuildOptions { Password })</c>, which does the same copy: it renames the old
/// file to <c>-backup</c> before the new one takes its name (a kill between the two leaves no outbox file,
/// and a start then creates an empty one), keeps that plaintext backup on disk, runs the whole copy as one
/// transaction with checkpoints off (a million records held in its log), and in 5.0.21 can fail with
/// "Detected loop" on large collections.
/// </para>
/// </summary>
internal static class OutboxMigration
{
    private const int Chunk = 5000;

    /// <summary>Where the copy is written: beside the file, so the rename is atomic.</summary>
    public static string TemporaryPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + ".migrating" + Path.GetExtension(path));

    /// <summary>Removes the copy a killed migration left (the old file it was made from is still whole).</summary>
    public static void DiscardLeftover(string path)
    {
        var temporary = TemporaryPathFor(path);
        File.Delete(temporary);
        File.Delete(OutboxFileReader.LogPathFor(temporary));
    }

    /// <summary>Copies the file at <paramref name="path"/>, opened with <paramref name="from"/>, into a file written with <paramref name="to"/>, and puts it in its place; returns the documents copied.</summary>
    /// <exception cref="IOException">The copy could not be written (the old file is unchanged).</exception>
    /// <exception cref="LiteException">LiteDB refused either file (the old file is unchanged).</exception>
    public static long Run(string path, string? from, string? to)
    {
        var temporary = TemporaryPathFor(path);
        DiscardLeftover(path);
        long copied = 0;
        using (var source = DurableOutbox.Connect(path, from))
        {
            using (var target = DurableOutbox.Connect(temporary, to))
            {
                foreach (var name in source.GetCollectionNames())
                {
                    copied += Copy(source.GetCollection(name), target.GetCollection(name, BsonAutoId.Int64), target);
                }
                target.Checkpoint();
            }
            source.Checkpoint();
        }
        // Closed after a checkpoint, LiteDB deletes the empty log; one left holds pages the copy read
        // through the engine, which must not be paired with the new file.
        var log = OutboxFileReader.LogPathFor(path);
        if (File.Exists(log))
        {
            File.Delete(log);
        }
        if (File.Exists(OutboxFileReader.LogPathFor(temporary)))
        {
            throw new IOException($"{Path.GetFileName(temporary)} kept a log after its checkpoint; the copy is not complete");
        }
        using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            written.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        return copied;
    }

    private static long Copy(ILiteCollection<BsonDocument> source, ILiteCollection<BsonDocument> target, LiteDatabase db)
    {
        long copied = 0;
        var chunk = new List<BsonDocument>(Chunk);
        foreach (var document in source.Find(Query.All(Query.Ascending)))
        {
            chunk.Add(document);
            if (chunk.Count == Chunk)
            {
                copied += OutboxSalvage.Flush(chunk, target, db);
            }
        }
        return copied + OutboxSalvage.Flush(chunk, target, db);
    }
}
