# Generates org_pairs.csv: fictional organisation and unit name pairs with
# the decision a screening engine should reach (python3 gen_org_pairs.py).
import csv, random
random.seed(42)
# Fictional brand stems (not real organisations).
stems = ["Norvantis","Kelmaro","Ostravik","Belindor","Tarvena","Quillon","Mervasta","Dolgarin","Zeltrix","Pavlonex",
 "Orvida","Kastreno","Vylmar","Sarvoy","Lumetra","Grenvik","Helvarn","Tobruna","Ardelis","Rovanta",
 "Kalinov","Morozin","Sotnikov","Veretin","Lazarov","Gorbatin","Tikhomir","Zarubin","Pechorin","Volkhov"]
latin2cyr = [("shch","щ"),("sh","ш"),("ch","ч"),("zh","ж"),("kh","х"),("ts","ц"),("ya","я"),("yu","ю"),
 ("a","а"),("b","б"),("v","в"),("g","г"),("d","д"),("e","е"),("z","з"),("i","и"),("y","ы"),("k","к"),("l","л"),
 ("m","м"),("n","н"),("o","о"),("p","п"),("r","р"),("s","с"),("t","т"),("u","у"),("f","ф"),("x","кс"),("q","к"),("w","в"),("c","к"),("h","х"),("j","дж")]
def cyr(s):
    out=""; low=s.lower(); i=0
    while i < len(low):
        for a,b in latin2cyr:
            if low.startswith(a,i):
                out+=b; i+=len(a); break
        else:
            out+=low[i]; i+=1
    return out[:1].upper()+out[1:]
def typo(s):
    i = random.randrange(1, len(s)-1)
    c = s[i]
    return s[:i]+s[i+1]+s[i]+s[i+2:] if random.random()<0.5 else s[:i]+s[i+1:]
rows=[]
def add(cat, typ, n1, c1, n2, c2, m, note=""):
    rows.append([cat, typ, n1, c1, n2, c2, "true" if m else "false", note])

legal_pairs = [("Limited","Ltd"),("LLC","Limited Liability Company"),("GmbH","Gesellschaft mit beschränkter Haftung"),
 ("AG","Aktiengesellschaft"),("S.A.R.L.","SARL"),("PLC","Public Limited Company"),("Inc.","Incorporated"),
 ("Corp.","Corporation"),("JSC","Joint Stock Company"),("S.A.","Sociedad Anónima"),("B.V.","BV"),("Co., Ltd.","Company Limited")]
for i,(a,b) in enumerate(legal_pairs):
    for s in random.sample(stems, 3):
        add("legal_form","company",f"{s} Industrial {a}","",f"{s} Industrial {b}","",True)
for i in range(12):
    s,t = random.sample(stems,2)
    a,b = random.choice(legal_pairs)
    add("legal_form","company",f"{s} Holdings {a}","",f"{t} Holdings {b}","",False,"different name, same legal form family")
for s in random.sample(stems,8):
    add("legal_form","company",f"OOO {s}","",f"{s} LLC","",True,"Russian OOO = LLC")
    add("legal_form","company",f"ООО «{cyr(s)}»","",f"{s} LLC","",True,"Cyrillic OOO")
# acronyms
acro = [("Northern Aerospace Systems Corporation","NASC"),("Baltic Shipping and Trading Company","BSTC"),
 ("United Marine Engineering Works","UMEW"),("Eastern Polymer Research Institute","EPRI"),
 ("Central Radio Electronics Bureau","CREB"),("Meridian Logistics Holding Group","MLHG"),("Silver Coast Mining Enterprise","SCME"),
 ("Volga River Freight Association","VRFA"),("Orion Defence Systems Technologies","ODST"),("Grand Lakes Petroleum Holdings","GLPH")]
for full, ac in acro:
    add("acronym","organization",full,"",ac,"",True,"acronym of the full name")
    add("acronym","organization",ac,"",full,"",True,"acronym of the full name")
    add("acronym","organization",f"{full} ({ac})","",ac,"",True,"acronym given in brackets")
for full, ac in [("Kelmaro General Trading","KGT"),("Sarvoy Marine Works","SMW"),("Lumetra Steel Plant","LSP")]:
    add("acronym","organization",ac,"",full,"",False,"three-letter acronym: review, not match")
others = ["Quartz Valley Fisheries","Atlas Road Transport","Pinewood Medical Supplies","Harbor Light Insurance","Redstone Textile Mills"]
for (full, ac), o in zip(acro, others*2):
    add("acronym","organization",ac,"",o,"",False,"acronym of another name")
    add("acronym","organization",full,"",o,"",False,"unrelated")
# translated organisation words
tr = [("{s} Bank","Банк {c}"),("{s} Holding","Холдинг {c}"),("{s} Foundation","Фонд {c}"),("{s} Research Institute","Научно-исследовательский институт {c}"),
 ("{s} Trading Company","{s} Trade Co"),("{s} International Group","{s} Intl Group"),("{s} Shipping Company","{s} Shipping Co."),
 ("{s} Foundation","Fundación {s}"),("{s} Foundation","Stiftung {s}"),("{s} Engineering Centre","{s} Engineering Center"),
 ("{s} Ministry of Industry","Ministerio de Industria {s}"),("{s} Aviation Plant","{s} Aircraft Plant")]
for t1,t2 in tr:
    for s in random.sample(stems,2):
        add("translated","organization",t1.format(s=s,c=cyr(s)),"",t2.format(s=s,c=cyr(s)),"",True)
for t1,t2 in tr[:8]:
    s,o = random.sample(stems,2)
    add("translated","organization",t1.format(s=s,c=cyr(s)),"",t2.format(s=o,c=cyr(o)),"",False,"same words, another name")
# units
for k in range(14):
    n = random.randint(10000, 99999)
    add("unit","organization",f"Military Unit {n}","",f"Military Unit {n}","",True)
    add("unit","organization",f"Military Unit {n}","",f"Войсковая часть {n}","",True,"Cyrillic")
    add("unit","organization",f"Unit {n}","",f"Military Unit {n+1}","",False,"unit number differs by one")
    add("unit","organization",f"Military Unit {n}","",f"Military Unit {str(n)[::-1]}","",False,"digits reordered")
suffix = {1:"st",2:"nd",3:"rd"}
def ordn(n): return f"{n}{'th' if 10<=n%100<=20 else suffix.get(n%10,'th')}"
kinds = [("Brigade","бригада",True),("Separate Motorized Rifle Brigade","отдельная мотострелковая бригада",False),("Guards Tank Division","гвардейская танковая дивизия",False),("Regiment","полк",False),("Battalion","батальон",False)]
for k in range(12):
    n = random.randint(2, 99)
    en, ru, ruok = random.choice(kinds)
    add("unit","organization",f"{ordn(n)} {en}","",f"{ordn(n)} {en}","",True)
    add("unit","organization",f"{ordn(n)} {en}","",f"{n}th {en}" if n%10 not in (1,2,3) else f"{n}-{en}","",True,"ordinal written differently")
    add("unit","organization",f"{ordn(n)} {en}","",f"{ordn(n+1)} {en}","",False,"next unit")
    add("unit","organization",f"{ordn(n)} {en}","",f"{n+10}th {en}","",False,"other unit")
    if ruok:
        add("unit","organization",f"{ordn(n)} {en}","",f"{n}-я {ru}","",True,"Russian ordinal")
for k in range(6):
    n = random.randint(2,60)
    add("unit","organization",f"{ordn(n)} Brigade","",f"{n}-я бригада","",True,"Russian ordinal")
# same name, another country
bodies = ["Ministry of Defence","Ministry of Interior","National Security Service","State Border Guard Service","Ministry of Communications",
 "National Police","Central Bank","Ministry of Energy","State Security Committee","Presidential Guard","General Staff of the Armed Forces","National Oil Company"]
pairs_c = [("ru","ua"),("ir","iq"),("by","pl"),("sy","lb"),("kp","kr"),("ve","co"),("cn","tw"),("mm","th")]
for b in bodies:
    c1,c2 = random.choice(pairs_c)
    add("other_country","organization",b,c1,b,c2,False,"same body name, another state")
    add("other_country","organization",b,c1,b,c1,True,"same body, same state")
for s in random.sample(stems,10):
    c1,c2 = random.choice(pairs_c)
    add("other_country","company",f"{s} Trading LLC",c1,f"{s} Trading LLC",c2,False,"same company name registered in another country")
# typos and transliteration of company names
for s in stems:
    add("spelling","company",f"{s} Engineering",""," ".join([typo(s),"Engineering"]),"",True,"typo")
for s in stems[20:]:
    add("spelling","company",f"{s} Machine Plant","",f"{cyr(s)} Machine Plant","",True,"Cyrillic spelling of the name")
# generic-word traps
gen = ["Shipping Company","Trading LLC","Engineering Works","Oil Refinery","Research Institute","Electronics Factory","Defence Industries","Logistics Group"]
for g in gen:
    s,t = random.sample(stems,2)
    add("generic_words","company",f"{s} {g}","",f"{t} {g}","",False,"only the generic words agree")
    add("generic_words","company",f"{s} {g}","",f"{s} {g}","",True,"identical")
    add("generic_words","company",f"{s} {g}","",f"{s} {g.split()[0]}","",True,"generic word dropped")
with open("org_pairs.csv","w",newline="") as f:
    w = csv.writer(f)
    w.writerow(["category","type","name1","country1","name2","country2","is_match","note"])
    w.writerows(rows)
import collections
print(len(rows), collections.Counter(r[0] for r in rows), collections.Counter(r[6] for r in rows))
