package dev.redoubt.restore.physical;

/**
 * The PostgreSQL server that replays WAL for a recovery: a process on this machine, or a
 * container of the backup's major version. Either way it runs the same command line over
 * the same paths (the data directory and the recovery's work directory), writes its log
 * to the same file and listens on the same private socket.
 */
interface RecoveryServer {

	/** Whether the server still runs (it exits when recovery fails). */
	boolean isAlive();

	/**
	 * Fast shutdown (a checkpoint, then exit), or with {@code immediate} an immediate one
	 * (no checkpoint: for a cluster thrown away next), waiting for it.
	 * @throws InterruptedException if interrupted while waiting; the server is then
	 * killed
	 */
	void stop(boolean immediate) throws InterruptedException;

	/** Kills the server at once. */
	void kill();

	/**
	 * What the recovery report names as its sandbox: {@code local} or
	 * {@code testcontainers}.
	 */
	String kind();

}
