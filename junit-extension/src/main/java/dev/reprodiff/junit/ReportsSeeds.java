package dev.reprodiff.junit;

/** An exception whose message names the seeds and the replay command already; the seed handler leaves it alone. */
interface ReportsSeeds {
}
