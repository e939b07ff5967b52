def log = new File(basedir, 'build.log').text
def today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString()
assert log.contains('reprodiff: calibration run 1 of 3: default (the build\'s settings)')
assert log.contains('reprodiff: calibration run 2 of 3: deterministic-off (@Deterministic off)')
assert log.contains('reprodiff: calibration run 3 of 3: threads-1 (1 intra-op thread)')
assert log.contains('jitter/values sameCpuModel: observed max 3.0e-07 (relative 4.2e-08, median 2.1e-07) over 3 observations -> proposed atol 1.0e-06; in force: atol 1.0e-03, rtol 0.0e+00 (tolerances.json: platforms.sameCpuModel, hand-set, not calibrated)')
assert log.contains('jitter/values sameCpuModel: atol 1.0e-03, rtol 0.0e+00 (tolerances.json: platforms.sameCpuModel, hand-set, not calibrated) → atol 1.0e-06, rtol 0 (tighten; observed max 3.0e-07, relative 4.2e-08, over 3 observations: default 8.9e-08, deterministic-off 2.1e-07, threads-1 3.0e-07)')
assert log.contains('steady/values sameCpuModel: atol 1.0e-03, rtol 0.0e+00 (tolerances.json: platforms.sameCpuModel, hand-set, not calibrated) → atol 0, rtol 0 (tighten; observed max 0')
assert log.contains('reprodiff: applied 2 calibrated tolerances to')
assert log.contains('accelerators: none: this machine has no CUDA device')

def calibration = new groovy.json.JsonSlurper().parse(new File(basedir, 'src/test/resources/goldens/calibration.json'))
assert calibration.format == 'reprodiff-calibration/1'
assert calibration.runs == 3
assert calibration.date == today
assert calibration.variations*.name == ['default', 'deterministic-off', 'threads-1']
def jitter = calibration.goldens.find { it.golden == 'jitter/values' }
assert jitter.observations == 3
assert Math.abs(jitter.max_linf - 2.9802322387695312E-7) < 1e-15
assert jitter.proposed_atol == 1.0E-6
assert jitter.max_linf_by_variation.keySet() as List == ['default', 'deterministic-off', 'threads-1']
assert calibration.goldens.find { it.golden == 'steady/values' }.proposed_atol == 0
assert calibration.non_deterministic == []

def profile = new groovy.json.JsonSlurper().parse(new File(basedir, 'src/test/resources/goldens/tolerances.json'))
assert profile.platforms.sameCpuModel.atol == 1.0E-3
def rule = profile.goldens['jitter/values'].sameCpuModel
assert rule.atol == 1.0E-6 && rule.rtol == 0
assert rule.calibrated.runs == 3 && rule.calibrated.date == today
assert Math.abs(rule.calibrated.observedMax - 2.9802322387695312E-7) < 1e-15
assert profile.goldens['steady/values'].sameCpuModel.atol == 0

// Calibration never writes goldens: the recorded ones are the only variants.
def manifest = new File(basedir, 'src/test/resources/goldens/jitter/values.json')
assert manifest.exists()

// 3: the steady golden passed under its calibrated 0; the changed one failed with the calibrated rule and its
// evidence in the message.
assert log.contains('Tests run: 2, Failures: 1, Errors: 0, Skipped: 0')
assert log.contains("within |actual - golden| <= 1.0e-06 + 0.0e+00 * |golden| (tolerances.json: goldens.jitter/values.sameCpuModel; calibrated: observed max 3.0e-07 over 3 runs on ${today}), but")
true
