/**
 * Which test cluster these files start: id `lbs` on 10.214.0.0/16 unless
 * LB_CLUSTER_TEST_ID / LB_CLUSTER_TEST_OCTET say otherwise, so a developer can run
 * them beside a full suite that uses the defaults (same id = one cleans up the other).
 */
export function testClusterIdentity(): { id: string; octet: number } {
  return {
    id: process.env.LB_CLUSTER_TEST_ID ?? 'lbs',
    octet: Number(process.env.LB_CLUSTER_TEST_OCTET ?? 214),
  };
}
