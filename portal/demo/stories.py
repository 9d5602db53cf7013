"""Demo stories: English originals with translations, one of them in Arabic."""

HOME = {
    "en": ("Ministry for Foreign Affairs", "News from the ministry and its embassies around the world."),
    "sv": ("Utrikesdepartementet", "Nyheter från departementet och dess ambassader runt om i världen."),
    "fr": ("Ministère des Affaires étrangères", "Actualités du ministère et de ses ambassades dans le monde."),
    "es": ("Ministerio de Asuntos Exteriores", "Noticias del ministerio y de sus embajadas en el mundo."),
    "ar": ("وزارة الشؤون الخارجية", "أخبار الوزارة وسفاراتها حول العالم."),
    "ru": ("Министерство иностранных дел", "Новости министерства и его посольств по всему миру."),
    "zh-hans": ("外交部", "外交部及其驻外使馆的新闻。"),
    "de": (
        "Ministerium für auswärtige Angelegenheiten",
        "Nachrichten des Ministeriums und seiner Botschaften weltweit.",
    ),
    "pt": ("Ministério dos Negócios Estrangeiros", "Notícias do ministério e das suas embaixadas pelo mundo."),
}

INDEX = {
    "en": "Stories",
    "sv": "Nyheter",
    "fr": "Actualités",
    "es": "Noticias",
    "ar": "الأخبار",
    "ru": "Новости",
    "zh-hans": "新闻",
    "de": "Nachrichten",
    "pt": "Notícias",
}

# slug, topics, countries, hashtags, featured, colour, {language: (title, standfirst, paragraph)}
STORIES = [
    (
        "climate-finance-pledge",
        ["climate", "development"],
        ["KE", "BD"],
        "ClimateAction COP",
        True,
        (24, 98, 74),
        {
            "en": (
                "Minister announces new climate finance pledge",
                "The ministry will double its support for climate adaptation in the most exposed countries.",
                "Speaking at the opening of the climate conference, the minister said adaptation must reach the communities that feel the floods and droughts first.",
            ),
            "ar": (
                "الوزير يعلن عن تعهد جديد لتمويل المناخ",
                "ستضاعف الوزارة دعمها للتكيف مع المناخ في أكثر البلدان تعرضاً للخطر.",
                "قال الوزير في افتتاح مؤتمر المناخ إن التكيف يجب أن يصل إلى المجتمعات التي تعاني أولاً من الفيضانات والجفاف.",
            ),
            "fr": (
                "Le ministre annonce un nouvel engagement pour le financement climatique",
                "Le ministère doublera son soutien à l'adaptation climatique dans les pays les plus exposés.",
                "À l'ouverture de la conférence sur le climat, le ministre a déclaré que l'adaptation doit atteindre en premier les communautés touchées.",
            ),
            "sv": (
                "Ministern presenterar nytt löfte om klimatfinansiering",
                "Departementet fördubblar sitt stöd till klimatanpassning i de mest utsatta länderna.",
                "Vid klimatkonferensens öppning sa ministern att anpassningen måste nå de samhällen som först drabbas av översvämningar och torka.",
            ),
            "es": (
                "El ministro anuncia un nuevo compromiso de financiación climática",
                "El ministerio duplicará su apoyo a la adaptación climática en los países más expuestos.",
                "En la apertura de la conferencia sobre el clima, el ministro dijo que la adaptación debe llegar primero a las comunidades afectadas.",
            ),
        },
    ),
    (
        "consular-services-online",
        ["consular"],
        [],
        "ConsularServices",
        False,
        (31, 95, 168),
        {
            "en": (
                "Passport appointments can now be booked online at every embassy",
                "Citizens abroad can book, move and cancel consular appointments in their own language.",
                "The new booking service covers passports, national identity cards and notarial services.",
            ),
            "de": (
                "Passtermine jetzt an jeder Botschaft online buchbar",
                "Bürgerinnen und Bürger im Ausland können konsularische Termine in ihrer Sprache buchen.",
                "Der neue Dienst umfasst Reisepässe, Personalausweise und notarielle Leistungen.",
            ),
            "pt": (
                "Marcações de passaporte já podem ser feitas online em todas as embaixadas",
                "Os cidadãos no estrangeiro podem marcar consultas consulares na sua língua.",
                "O novo serviço abrange passaportes, cartões de identidade e serviços notariais.",
            ),
        },
    ),
    (
        "humanitarian-aid-sahel",
        ["humanitarian", "development"],
        ["ML", "NE", "BF"],
        "Sahel HumanitarianAid",
        False,
        (168, 76, 31),
        {
            "en": (
                "Emergency humanitarian aid to the Sahel",
                "Funding for food, water and health care reaches 1.2 million people in the region.",
                "Aid is delivered through United Nations agencies and local organisations with long experience of the region.",
            ),
            "fr": (
                "Aide humanitaire d'urgence au Sahel",
                "Le financement de l'alimentation, de l'eau et des soins atteint 1,2 million de personnes.",
                "L'aide passe par les agences des Nations unies et des organisations locales expérimentées.",
            ),
            "ar": (
                "مساعدات إنسانية عاجلة لمنطقة الساحل",
                "يصل التمويل المخصص للغذاء والمياه والرعاية الصحية إلى 1.2 مليون شخص.",
                "تُقدَّم المساعدات عبر وكالات الأمم المتحدة ومنظمات محلية ذات خبرة طويلة في المنطقة.",
            ),
        },
    ),
    (
        "trade-agreement-signed",
        ["trade"],
        ["VN", "SG"],
        "Trade",
        False,
        (90, 60, 140),
        {
            "en": (
                "Trade agreement signed with South-East Asian partners",
                "The agreement lowers tariffs and opens public procurement to small companies.",
                "Negotiators spent three years on the chapters on sustainability and labour rights.",
            ),
            "zh-hans": (
                "与东南亚伙伴签署贸易协定",
                "该协定降低关税，并向小企业开放政府采购。",
                "谈判人员用三年时间完成了可持续发展和劳工权利章节。",
            ),
            "es": (
                "Firmado un acuerdo comercial con socios del sudeste asiático",
                "El acuerdo reduce aranceles y abre la contratación pública a pequeñas empresas.",
                "Los negociadores dedicaron tres años a los capítulos de sostenibilidad y derechos laborales.",
            ),
        },
    ),
    (
        "women-peace-security",
        ["human-rights", "peace"],
        ["CO", "LR"],
        "WPS WomenPeaceSecurity",
        False,
        (160, 40, 90),
        {
            "en": (
                "New action plan on women, peace and security",
                "Women's participation in peace processes becomes a requirement in all mediation support.",
                "The plan builds on twenty-five years of Security Council resolution 1325.",
            ),
            "sv": (
                "Ny handlingsplan för kvinnor, fred och säkerhet",
                "Kvinnors deltagande i fredsprocesser blir ett krav i allt medlingsstöd.",
                "Planen bygger på tjugofem år av säkerhetsrådets resolution 1325.",
            ),
            "ru": (
                "Новый план действий «Женщины, мир и безопасность»",
                "Участие женщин в мирных процессах становится обязательным условием поддержки посредничества.",
                "План опирается на двадцать пять лет резолюции 1325 Совета Безопасности.",
            ),
        },
    ),
    (
        "arctic-council-chair",
        ["arctic", "climate"],
        ["NO", "IS", "FI"],
        "Arctic",
        False,
        (40, 120, 160),
        {
            "en": (
                "Priorities for the Arctic Council term",
                "Research cooperation, indigenous peoples' voices and safe shipping top the agenda.",
                "The ministry will host the first ministerial meeting of the term in the spring.",
            ),
            "sv": (
                "Prioriteringar för Arktiska rådet",
                "Forskningssamarbete, urfolkens röster och säker sjöfart står överst på dagordningen.",
                "Departementet står värd för periodens första ministermöte i vår.",
            ),
        },
    ),
    (
        "cyber-diplomacy",
        ["security", "digital"],
        ["FR"],
        "CyberDiplomacy",
        False,
        (30, 30, 30),
        {
            "en": (
                "Cyber diplomacy: a new ambassador for digital affairs",
                "The ambassador will represent the ministry in negotiations on responsible state behaviour online.",
                "Digital questions now touch every part of foreign policy, from trade to human rights.",
            ),
            "fr": (
                "Cyberdiplomatie : un nouvel ambassadeur pour le numérique",
                "L'ambassadeur représentera le ministère dans les négociations sur le comportement responsable des États en ligne.",
                "Les questions numériques touchent désormais tous les domaines de la politique étrangère.",
            ),
        },
    ),
    (
        "scholarships-2027",
        ["education"],
        ["IN", "BR", "ZA"],
        "Scholarships StudyAbroad",
        False,
        (200, 150, 30),
        {
            "en": (
                "Applications open for 2027 scholarships",
                "Four hundred master's scholarships for students from partner countries.",
                "Applications close on 15 February; results are announced in April.",
            ),
            "pt": (
                "Candidaturas abertas para as bolsas de 2027",
                "Quatrocentas bolsas de mestrado para estudantes de países parceiros.",
                "As candidaturas encerram a 15 de fevereiro; os resultados são anunciados em abril.",
            ),
            "es": (
                "Abiertas las solicitudes para las becas de 2027",
                "Cuatrocientas becas de máster para estudiantes de países socios.",
                "Las solicitudes se cierran el 15 de febrero; los resultados se anuncian en abril.",
            ),
        },
    ),
    (
        "travel-advice-update",
        ["consular", "security"],
        ["HT"],
        "TravelAdvice",
        False,
        (180, 40, 40),
        {
            "en": (
                "Travel advice updated for the Caribbean hurricane season",
                "Travellers should register with the embassy and follow local authorities' instructions.",
                "The embassy's emergency line is open around the clock during the season.",
            ),
            "fr": (
                "Conseils aux voyageurs mis à jour pour la saison des ouragans",
                "Les voyageurs doivent s'inscrire auprès de l'ambassade et suivre les consignes locales.",
                "La ligne d'urgence de l'ambassade est ouverte jour et nuit pendant la saison.",
            ),
        },
    ),
    (
        "culture-season-tokyo",
        ["culture"],
        ["JP"],
        "CultureSeason",
        False,
        (120, 30, 60),
        {
            "en": (
                "A season of design and music opens in Tokyo",
                "Forty events over three months bring designers and musicians to audiences across Japan.",
                "The season is organised with museums, universities and music schools.",
            ),
            "zh-hans": (
                "设计与音乐文化季在东京开幕",
                "三个月内的四十场活动将设计师和音乐家带到日本各地观众面前。",
                "文化季与博物馆、大学和音乐学校共同举办。",
            ),
        },
    ),
    (
        "un-general-assembly",
        ["multilateral"],
        [],
        "UNGA",
        False,
        (0, 110, 180),
        {
            "en": (
                "The minister's address to the UN General Assembly",
                "The speech called for a stronger, more representative United Nations.",
                "The minister also met twenty counterparts during the high-level week.",
            ),
            "ar": (
                "كلمة الوزير أمام الجمعية العامة للأمم المتحدة",
                "دعا الخطاب إلى أمم متحدة أقوى وأكثر تمثيلاً.",
                "والتقى الوزير أيضاً بعشرين من نظرائه خلال الأسبوع رفيع المستوى.",
            ),
            "ru": (
                "Выступление министра на Генеральной Ассамблее ООН",
                "В речи прозвучал призыв к более сильной и представительной ООН.",
                "Министр также провёл встречи с двадцатью коллегами в ходе недели высокого уровня.",
            ),
            "de": (
                "Rede des Ministers vor der UN-Generalversammlung",
                "Die Rede forderte stärkere und repräsentativere Vereinte Nationen.",
                "Der Minister traf in der hochrangigen Woche zudem zwanzig Amtskollegen.",
            ),
        },
    ),
    (
        "ocean-conference",
        ["climate", "oceans"],
        ["PT", "FJ"],
        "OceanAction",
        False,
        (10, 80, 120),
        {
            "en": (
                "Ocean conference: commitments to protect marine life",
                "New funding for marine protected areas and for the fight against illegal fishing.",
                "Small island states led the call for faster action.",
            ),
            "pt": (
                "Conferência dos Oceanos: compromissos para proteger a vida marinha",
                "Novo financiamento para áreas marinhas protegidas e para combater a pesca ilegal.",
                "Os pequenos Estados insulares lideraram o apelo a uma ação mais rápida.",
            ),
            "es": (
                "Conferencia de los Océanos: compromisos para proteger la vida marina",
                "Nueva financiación para áreas marinas protegidas y contra la pesca ilegal.",
                "Los pequeños Estados insulares encabezaron el llamamiento a actuar más rápido.",
            ),
        },
    ),
    (
        "election-observers",
        ["democracy"],
        ["MN"],
        "Democracy",
        False,
        (70, 70, 120),
        {
            "en": (
                "Ministry sends election observers to Mongolia",
                "Twelve observers join the international mission for the parliamentary elections.",
                "Observers follow the campaign, the vote and the count.",
            ),
            "ru": (
                "Министерство направляет наблюдателей на выборы в Монголии",
                "Двенадцать наблюдателей присоединятся к международной миссии.",
                "Наблюдатели следят за кампанией, голосованием и подсчётом голосов.",
            ),
        },
    ),
]
