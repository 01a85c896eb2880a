//! The validator on nested messages: PropertySet and Quality, DataSet, Template.

use super::*;

fn with_properties(props: PropertySet<'static>) -> Payload<'static> {
    payload(
        Some(1),
        vec![Metric {
            properties: Some(props),
            ..m("a", MetricValue::Int32(1))
        }],
    )
}

fn pv(dt: u32, v: MetricValue<'static>) -> PropertyValue<'static> {
    PropertyValue {
        datatype: Some(dt),
        is_null: None,
        value: Some(v),
    }
}

#[test]
fn property_sets() {
    let set = |keys: Vec<&'static str>, values: Vec<PropertyValue<'static>>| PropertySet {
        keys: keys.into_iter().map(Into::into).collect(),
        values: values.into(),
    };
    let s = pv(12, MetricValue::String("x".into()));
    check(
        &with_properties(set(vec!["a"], vec![s.clone()])),
        DBirth,
        &[],
    );
    check(
        &with_properties(set(vec!["a", "b"], vec![s.clone()])),
        DBirth,
        &[Rule::PropertySetKeysSize],
    );
    check(
        &with_properties(set(vec!["a"], vec![s.clone(), s.clone()])),
        DBirth,
        &[Rule::PropertySetValuesSize],
    );
    check(
        &with_properties(set(vec!["a"], vec![pv(16, MetricValue::Raw(Raw::Int(1)))])),
        DBirth,
        &[Rule::PropertyValueType],
    );
    let untyped = PropertyValue {
        datatype: None,
        ..s.clone()
    };
    check(
        &with_properties(set(vec!["a"], vec![untyped.clone()])),
        DBirth,
        &[Rule::PropertyValueTypeReq],
    );
    let mut data = with_properties(set(vec!["a"], vec![untyped]));
    data.metrics = vec![Metric {
        properties: data.metrics[0].properties.clone(),
        timestamp: Some(T),
        ..Metric::aliased(1, MetricValue::Raw(Raw::Int(1)))
    }]
    .into();
    check(&data, DData, &[]);

    check(
        &with_properties(set(vec![QUALITY], vec![pv(3, MetricValue::Int32(192))])),
        DBirth,
        &[],
    );
    check(
        &with_properties(set(vec![QUALITY], vec![pv(3, MetricValue::Int32(7))])),
        DBirth,
        &[Rule::QualityValue],
    );
    check(
        &with_properties(set(vec![QUALITY], vec![pv(4, MetricValue::Int64(500))])),
        DBirth,
        &[Rule::QualityType, Rule::QualityValue],
    );
    // Nested: a property set list holding a bad Quality.
    let inner = set(vec![QUALITY], vec![pv(3, MetricValue::Int32(1))]);
    let list = set(
        vec!["l"],
        vec![pv(
            21,
            MetricValue::PropertySetList(vec![set(vec![], vec![]), inner].into()),
        )],
    );
    let bytes = with_properties(list).to_vec().unwrap();
    let v = validate_all(
        &PayloadView::new(&bytes).unwrap(),
        DBirth,
        &Context::default(),
    )
    .unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule, Rule::QualityValue);
    assert_eq!(v[0].metric, Some(0));
    assert_eq!(v[0].name, Some(QUALITY));
    assert_eq!(
        v[0].path.to_string(),
        ".properties[0].propertysets[1].properties[0]"
    );
    assert_eq!(
        v[0].to_string(),
        "tck-id-payloads-propertyset-quality-value-value at metrics[0].properties[0].propertysets[1].properties[0] (\"Quality\"): Quality not 0, 192 or 500 in int_value"
    );
}

fn dataset(d: DataSet<'static>) -> Payload<'static> {
    payload(Some(2), vec![m("d", MetricValue::DataSet(d))])
}

fn good_dataset() -> DataSet<'static> {
    DataSet {
        num_of_columns: Some(2),
        columns: vec!["a".into(), "b".into()].into(),
        types: vec![3, 12].into(),
        rows: vec![Row {
            elements: vec![
                Some(MetricValue::Int32(1)),
                Some(MetricValue::String("x".into())),
            ]
            .into(),
        }]
        .into(),
    }
}

#[test]
fn datasets() {
    check(&dataset(good_dataset()), DData, &[]);
    check(
        &dataset(DataSet {
            num_of_columns: None,
            ..good_dataset()
        }),
        DData,
        &[Rule::DataSetColumnSize],
    );
    check(
        &dataset(DataSet {
            num_of_columns: Some(3),
            ..good_dataset()
        }),
        DData,
        &[Rule::DataSetColumnSize, Rule::DataSetColumnSize],
    );
    check(
        &dataset(DataSet {
            types: vec![3].into(),
            ..good_dataset()
        }),
        DData,
        &[Rule::DataSetColumnNumHeaders, Rule::DataSetTypesNum],
    );
    check(
        &dataset(DataSet {
            types: vec![].into(),
            ..good_dataset()
        }),
        DData,
        &[
            Rule::DataSetColumnNumHeaders,
            Rule::DataSetTypesNum,
            Rule::DataSetTypesReq,
        ],
    );
    check(
        &dataset(DataSet {
            types: vec![3, 16].into(),
            rows: vec![].into(),
            ..good_dataset()
        }),
        DData,
        &[Rule::DataSetTypesValue],
    );
    let row = |cells: Vec<Option<MetricValue<'static>>>| DataSet {
        rows: vec![Row {
            elements: cells.into(),
        }]
        .into(),
        ..good_dataset()
    };
    check(
        &dataset(row(vec![Some(MetricValue::Int32(1))])),
        DData,
        &[Rule::DataSetColumnSize],
    );
    check(
        &dataset(row(vec![Some(MetricValue::Int32(1)), None])),
        DData,
        &[],
    );
    check(
        &dataset(row(vec![
            Some(MetricValue::String("1".into())),
            Some(MetricValue::String("x".into())),
        ])),
        DData,
        &[Rule::DataSetValue],
    );
    check(
        &dataset(row(vec![
            Some(MetricValue::Raw(Raw::Extension(vec![].into()))),
            None,
        ])),
        DData,
        &[Rule::DataSetValue],
    );
}

fn definition() -> Template<'static> {
    Template {
        metrics: vec![Metric::new("speed", MetricValue::Float(1.0))].into(),
        parameters: vec![Parameter {
            name: Some("max".into()),
            datatype: Some(9),
            value: Some(MetricValue::Float(9.0)),
        }]
        .into(),
        is_definition: Some(true),
        ..Template::default()
    }
}

fn instance() -> Template<'static> {
    Template {
        template_ref: Some("Motor".into()),
        is_definition: Some(false),
        ..definition()
    }
}

fn nbirth_with(templates: Vec<Metric<'static>>) -> Payload<'static> {
    let mut ms = nbirth_metrics();
    ms.extend(templates);
    payload(Some(0), ms)
}

#[test]
fn templates() {
    let def = m("Motor", MetricValue::Template(definition()));
    let inst = |t: Template<'static>| m("Motor 1", MetricValue::Template(t));
    check(
        &nbirth_with(vec![def.clone(), inst(instance())]),
        NBirth,
        &[],
    );
    check(
        &nbirth_with(vec![inst(instance())]),
        NBirth,
        &[Rule::TemplateDefinitionNBirth],
    );
    // Ignition and Eclipse Tahu keep definitions under `_types_/`, instances naming them
    // without it; and they give a definition no alias, where every other metric has one.
    let typed = m("_types_/Motor", MetricValue::Template(definition()));
    check(
        &nbirth_with(vec![typed.clone(), inst(instance())]),
        NBirth,
        &[],
    );
    let aliased_birth = payload(
        Some(0),
        vec![
            aliased(0, BD_SEQ, MetricValue::UInt64(0)),
            m(REBIRTH, MetricValue::Boolean(false)),
            typed,
            Metric {
                alias: Some(2),
                ..inst(instance())
            },
        ],
    );
    check(&aliased_birth, NBirth, &[]);
    // Another folder is no definition's.
    let elsewhere = m("types/Motor", MetricValue::Template(definition()));
    check(
        &nbirth_with(vec![elsewhere, inst(instance())]),
        NBirth,
        &[Rule::TemplateDefinitionNBirth],
    );
    // Instances elsewhere refer to the NBIRTH's definitions, not checked.
    check(&payload(Some(1), vec![inst(instance())]), DBirth, &[]);
    check(
        &payload(Some(1), vec![def.clone()]),
        DBirth,
        &[Rule::TemplateDefinitionNBirthOnly],
    );
    check(
        &nbirth_with(vec![m(
            "Motor",
            MetricValue::Template(Template {
                template_ref: Some("X".into()),
                ..definition()
            }),
        )]),
        NBirth,
        &[Rule::TemplateDefinitionRef],
    );
    check(
        &payload(
            Some(1),
            vec![inst(Template {
                template_ref: None,
                ..instance()
            })],
        ),
        DBirth,
        &[Rule::TemplateInstanceRef],
    );
    check(
        &payload(
            Some(1),
            vec![inst(Template {
                is_definition: None,
                template_ref: None,
                ..instance()
            })],
        ),
        DBirth,
        &[Rule::TemplateIsDefinition, Rule::TemplateInstanceRef],
    );
    let param = |p: Parameter<'static>| {
        inst(Template {
            parameters: vec![p].into(),
            ..instance()
        })
    };
    let good = Parameter {
        name: Some("max".into()),
        datatype: Some(9),
        value: Some(MetricValue::Float(2.0)),
    };
    let dbirth = |x| payload(Some(1), vec![x]);
    check(&dbirth(param(good.clone())), DBirth, &[]);
    check(
        &dbirth(param(Parameter {
            name: None,
            ..good.clone()
        })),
        DBirth,
        &[Rule::TemplateParameterName],
    );
    check(
        &dbirth(param(Parameter {
            datatype: None,
            ..good.clone()
        })),
        DBirth,
        &[Rule::TemplateParameterTypeReq],
    );
    check(
        &payload(
            Some(2),
            vec![Metric {
                datatype: None,
                ..param(Parameter {
                    datatype: None,
                    ..good.clone()
                })
            }],
        ),
        DData,
        &[],
    );
    check(
        &dbirth(param(Parameter {
            datatype: Some(16),
            ..good.clone()
        })),
        DBirth,
        &[Rule::TemplateParameterTypeValue],
    );
    check(
        &dbirth(param(Parameter {
            value: Some(MetricValue::String("9".into())),
            ..good.clone()
        })),
        DBirth,
        &[Rule::TemplateParameterValue],
    );
    check(
        &dbirth(param(Parameter {
            value: Some(MetricValue::Raw(Raw::Extension(vec![].into()))),
            ..good
        })),
        DBirth,
        &[Rule::TemplateParameterValue],
    );
    // Member metrics get the content checks, with their path.
    let bad_member = Template {
        metrics: vec![Metric {
            datatype: Some(99),
            ..Metric::new("speed", MetricValue::Float(1.0))
        }]
        .into(),
        ..instance()
    };
    let bytes = dbirth(inst(bad_member)).to_vec().unwrap();
    let v = validate_all(
        &PayloadView::new(&bytes).unwrap(),
        DBirth,
        &Context::default(),
    )
    .unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].rule, v[0].metric, v[0].name),
        (Rule::DatatypeValue, Some(0), Some("speed"))
    );
    assert_eq!(v[0].path.steps(), &[Step::Member(0)]);
}

/// The fields read to validate `p` as an NBIRTH, and the violations.
fn nbirth_work(p: &Payload<'_>) -> (u64, Vec<Rule>) {
    let bytes = p.to_vec().unwrap();
    let view = PayloadView::new(&bytes).unwrap();
    let mut v = Vec::new();
    let n = crate::wire::visits::during(|| {
        validate(&view, NBirth, &Context::default(), &mut |x| v.push(x.rule)).unwrap();
    });
    (n, v)
}

/// `n` instances of `Motor`, then `defs` definitions, the last of them `Motor`'s.
fn instances(n: usize, defs: usize, reference: &'static str) -> Payload<'static> {
    let inst = Template {
        template_ref: Some(reference.into()),
        ..instance()
    };
    let mut ms: Vec<Metric<'static>> = (0..n)
        .map(|_| m("Motor 1", MetricValue::Template(inst.clone())))
        .collect();
    for i in 1..defs {
        let name = std::format!("_types_/Other {i}");
        ms.push(m(name.leak(), MetricValue::Template(definition())));
    }
    ms.push(m("_types_/Motor", MetricValue::Template(definition())));
    nbirth_with(ms)
}

#[test]
fn definitions_are_found_in_one_pass() {
    let (w1, v1) = nbirth_work(&instances(200, 3, "Motor"));
    let (w2, v2) = nbirth_work(&instances(400, 3, "Motor"));
    assert!(v1.is_empty() && v2.is_empty(), "{v1:?} {v2:?}");
    assert!(
        w2 < w1 * 5 / 2,
        "{w1} fields for 200 instances, {w2} for 400"
    );
    // Names that no definition has are known missing as soon.
    let (w1, v1) = nbirth_work(&instances(200, 3, "Pump"));
    let (w2, v2) = nbirth_work(&instances(400, 3, "Pump"));
    assert_eq!((v1.len(), v2.len()), (200, 400));
    assert!(
        w2 < w1 * 5 / 2,
        "{w1} fields for 200 instances, {w2} for 400"
    );
}

#[test]
fn definitions_beyond_the_kept_ones_are_still_found() {
    let (_, v) = nbirth_work(&instances(3, walk::KEPT + 2, "Motor"));
    assert!(v.is_empty(), "{v:?}");
    let (_, v) = nbirth_work(&instances(3, walk::KEPT + 2, "Pump"));
    assert_eq!(v, [Rule::TemplateDefinitionNBirth; 3]);
}
