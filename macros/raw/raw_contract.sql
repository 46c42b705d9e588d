{#
  The raw data contract: for each source and raw file, the columns the warehouse needs (a file that
  lacks one stops the build) and the optional columns it uses when present (absent: null). Any other
  column is ignored, and so is any other file. Mirrors docs/data_contract.md.
#}
{% macro raw_contract() %}
  {% do return({
    'synthea': {
      'encounters': {
        'file_required': true,
        'required': ['Id', 'START', 'STOP', 'PATIENT', 'ORGANIZATION', 'PAYER', 'ENCOUNTERCLASS', 'CODE',
                     'DESCRIPTION', 'BASE_ENCOUNTER_COST', 'TOTAL_CLAIM_COST', 'PAYER_COVERAGE', 'REASONCODE',
                     'REASONDESCRIPTION'],
        'optional': [],
      },
      'patients': {
        'file_required': true,
        'required': ['Id', 'BIRTHDATE', 'DEATHDATE', 'PREFIX', 'FIRST', 'LAST', 'SUFFIX', 'MAIDEN', 'MARITAL',
                     'RACE', 'ETHNICITY', 'GENDER', 'BIRTHPLACE', 'ADDRESS', 'CITY', 'STATE', 'COUNTY', 'ZIP',
                     'LAT', 'LON'],
        'optional': [],
      },
      'payers': {
        'file_required': true,
        'required': ['Id', 'NAME', 'ADDRESS', 'CITY', 'STATE_HEADQUARTERED', 'ZIP', 'PHONE'],
        'optional': [],
      },
      'procedures': {
        'file_required': true,
        'required': ['START', 'STOP', 'PATIENT', 'ENCOUNTER', 'CODE', 'DESCRIPTION', 'BASE_COST', 'REASONCODE',
                     'REASONDESCRIPTION'],
        'optional': [],
      },
      'organizations': {
        'file_required': true,
        'required': ['Id', 'NAME', 'ADDRESS', 'CITY', 'STATE', 'ZIP', 'LAT', 'LON'],
        'optional': [],
      },
      'conditions': {
        'file_required': false,
        'required': ['START', 'STOP', 'PATIENT', 'ENCOUNTER', 'CODE', 'DESCRIPTION'],
        'optional': [],
      },
      'observations': {
        'file_required': false,
        'required': ['DATE', 'PATIENT', 'ENCOUNTER', 'CATEGORY', 'CODE', 'DESCRIPTION', 'VALUE', 'UNITS', 'TYPE'],
        'optional': [],
      },
    },
    'emr': {
      'visits': {
        'file_required': true,
        'required': ['Patient ID', 'Age', 'Gender', 'Race', 'Primary Diagnosis', 'Secondary Diagnosis 1',
                     'Secondary Diagnosis 2', 'Medication', 'Procedure Code', 'Visit Date', 'Discharge Date',
                     'Length of Stay', 'Insurance Type', 'Physician ID', 'Hospital Department', 'Source System',
                     'Blood Pressure', 'Heart Rate', 'Temperature', 'Blood Glucose', 'Cholesterol'],
        'optional': ['Readmission', 'Total Cost', 'Patient Satisfaction Score', 'Surgery Performed',
                     'Surgery Level', 'Insurance Coverage Percentage'],
      },
    },
  }) %}
{% endmacro %}
