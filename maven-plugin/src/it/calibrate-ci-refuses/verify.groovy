def log = new File(basedir, 'build.log').text
assert log.contains('reprodiff:calibrate refuses to run on CI (CI=1; CI counts as set unless it is empty, false or 0): it writes calibration.json and, when applied, the tolerance profile, which are measured on a developer\'s machine and committed. Nothing was written. Run it where the goldens are recorded.')
assert !log.contains('T E S T S')
assert !new File(basedir, 'src/test/resources/goldens/calibration.json').exists()
assert new File(basedir, 'src/test/resources/goldens/tolerances.json').text == '''{
  "platforms": {
    "sameCpuModel": {"atol": 1e-3, "rtol": 0}
  }
}
'''
true
